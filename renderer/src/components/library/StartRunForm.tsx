import { useEffect, useRef, useState, type FormEvent } from 'react';
import { describeRunbookProblem, type RunbookInfo } from '../../../../common/protocol/runbook';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { formValues, runbookRefusal, runParams, type FieldErrors, type FormValues, type RunbookRefusal } from '../../lib/runbookForm';
import { useStore } from '../../store/store';
import { Modal } from '../Modal';
import { HostRepoPicker, pickRepo, type FleetHost } from './HostRepoPicker';
import { ParameterField } from './ParameterField';
import { useHostRepos } from './useHostRepos';
import { useRunbookLibrary } from './useRunbookLibrary';

interface Props {
  name: string;
  host: string;
  repo: string;
  hosts: readonly FleetHost[];
  onClose(): void;
}

/**
 * "Start a run" of a runbook: a form generated from the parameters the runbook declares on the chosen host and repo
 * (listed again as it opens, so an edit or a push counts), checked before sending; what the host still refuses is
 * shown at the fields it names. Ctrl+Enter starts, Esc closes.
 */
export function StartRunForm({ name, host: initialHost, repo: initialRepo, hosts, onClose }: Props) {
  const connectedHosts = hosts.filter((entry) => entry.state === 'connected');
  const [host, setHost] = useState(initialHost);
  const connected = connectedHosts.some((entry) => entry.name === host);
  const repos = useHostRepos(host, connected);
  const [repoChoice, setRepo] = useState<string | null>(initialRepo);
  const repo = pickRepo(repos, repoChoice, false);
  const library = useRunbookLibrary(host, repo, connected, 0);
  const listing = library.state === 'shown' ? library.listing : library.state === 'idle' ? null : library.last;
  const runbook: RunbookInfo | undefined = listing?.list.runbooks.find((entry) => entry.name === name);

  // The fields follow the runbook as the chosen host and repo declare it; what was typed stays where it still fits.
  const [form, setForm] = useState<{ hash: string; values: FormValues } | null>(null);
  if (runbook && form?.hash !== runbook.hash) setForm({ hash: runbook.hash, values: formValues(runbook.parameters, form?.values) });
  const values = form?.values ?? {};
  const [badNumbers, setBadNumbers] = useState<ReadonlySet<string>>(new Set());
  const [base, setBase] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [refusal, setRefusal] = useState<Pick<RunbookRefusal, 'problems' | 'other'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (attempt > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [attempt]);

  const change = (field: string, value: string | boolean, badNumber: boolean) => {
    setForm((current) => current && { ...current, values: { ...current.values, [field]: value } });
    setBadNumbers((current) => {
      const next = new Set(current);
      if (badNumber) next.add(field);
      else next.delete(field);
      return next;
    });
    setErrors(({ [field]: _fixed, ...rest }) => rest);
  };

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (busy || !runbook) return;
    setError(null);
    setRefusal(null);
    const checked = runParams(runbook.parameters, values, badNumbers);
    if (!checked.ok) {
      setErrors(checked.errors);
      setAttempt((count) => count + 1);
      return;
    }
    if (!repo) return setError(`${host} has no repo to run on yet: flightdeck repo add ${host} NAME GIT_URL`);
    setErrors({});
    setBusy(true);
    try {
      const started = await client().request('runs.start', {
        host,
        runbook: runbook.name,
        repo,
        params: checked.params,
        ...(base.trim() ? { base: base.trim() } : {}),
      });
      const store = useStore.getState();
      store.toast('info', `Started ${started.host}/${started.run.id} (${runbook.name} on ${repo}): the planner's plan comes to the inbox.`);
      onClose();
      // Starting fetches the repo first, which takes a while: a person who went elsewhere meanwhile stays there.
      if (useStore.getState().view.kind === 'runbooks') store.showView({ kind: 'run', host: started.host, run: started.run.id });
    } catch (failure) {
      const refused = runbookRefusal(failure, Object.keys(runbook.parameters));
      if (refused) {
        setErrors(refused.fields);
        setRefusal(refused.problems.length + refused.other.length > 0 ? refused : null);
        setAttempt((count) => count + 1);
      } else {
        setError(errorMessage(failure));
      }
      setBusy(false);
    }
  };

  const parameters = runbook ? Object.entries(runbook.parameters) : [];
  return (
    <Modal title={`Start a run of ${name}`} onClose={busy ? undefined : onClose}>
      <form
        ref={formRef}
        className="form run-form"
        onSubmit={submit}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            void submit();
          }
        }}
      >
        <div className="picker-row">
          <HostRepoPicker
            hosts={connectedHosts}
            host={host}
            onHost={setHost}
            repos={repos}
            repo={repo}
            onRepo={setRepo}
            builtInsAllowed={false}
          />
        </div>
        {connectedHosts.length === 0 && <p className="form-error">No host is connected: a run starts on a host.</p>}
        {repos.state === 'failed' && connected && <p className="form-error">Could not read {host}'s repos: {repos.error}</p>}
        {library.state === 'failed' && <p className="form-error">Could not read {host}'s runbooks: {library.error}</p>}
        {listing && !runbook && (
          <p className="form-error">
            {host} has no usable runbook named {name}
            {repo ? ` for ${repo}` : ''}.
          </p>
        )}
        {!listing && library.state === 'loading' && <p className="muted">Reading {name} on {host}…</p>}
        {runbook && (
          <fieldset className="run-params">
            <legend>
              Parameters of {runbook.name} <span className="muted">@{runbook.version}</span>
              {runbook.source === 'repo' && <span className="source-tag">{runbook.overrides ? "repo's own, overrides the built-in" : "repo's own"}</span>}
            </legend>
            {parameters.length === 0 && <p className="muted">It takes no parameters.</p>}
            {parameters.map(([field, parameter], index) => (
              <ParameterField
                key={field}
                name={field}
                parameter={parameter}
                value={values[field] ?? ''}
                error={errors[field]}
                onChange={(value, badNumber) => change(field, value, badNumber)}
                autoFocus={index === 0}
              />
            ))}
          </fieldset>
        )}
        <details className="advanced">
          <summary>Advanced</summary>
          <label>
            <span>Start from (a branch, tag or commit)</span>
            <input name="base" value={base} onChange={(event) => setBase(event.target.value)} placeholder={`${repo || 'the repo'}'s default branch on origin`} />
          </label>
        </details>
        {refusal && (
          <div className="form-error" role="alert">
            <p>{host} refused the run:</p>
            <ul>
              {refusal.other.map((line) => (
                <li key={line}>{line}</li>
              ))}
              {refusal.problems.map((problem) => (
                <li key={describeRunbookProblem(problem)}>
                  <code>{describeRunbookProblem(problem)}</code>
                </li>
              ))}
            </ul>
          </div>
        )}
        {Object.keys(errors).length > 0 && !refusal && (
          <p className="form-error" role="alert">
            Not started: {Object.values(errors).join('; ')}
          </p>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <footer className="modal-actions">
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !runbook || !repo} title="Start the run (Ctrl+Enter)">
            {busy ? 'Starting…' : 'Start run'}
          </button>
        </footer>
      </form>
    </Modal>
  );
}
