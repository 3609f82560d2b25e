import '../../governance.css';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppApi } from '../../../../common/app/api';
import type { ResultOf } from '../../../../common/protocol/define';
import type { RepoInfo } from '../../../../common/protocol/agents';
import { PolicyErrorData, type PolicyProblem } from '../../../../common/protocol/policy';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { Icon } from '../Icon';
import { HostPicker, NoHosts, useViewHost } from './HostPicker';
import { PolicyLayers, PolicyRules, SandboxSupportNote } from './PolicyRules';

type Shown =
  | { phase: 'loading' }
  | { phase: 'ready'; result: ResultOf<AppApi, 'policy.show'> }
  | { phase: 'failed'; error: string; problems: PolicyProblem[] };

/** A policy the host refused to combine (a repo's file that widens the host's) names each problem with its line. */
function problemsOf(error: unknown): PolicyProblem[] {
  const data = typeof error === 'object' && error !== null && 'data' in error ? error.data : undefined;
  const parsed = PolicyErrorData.safeParse(data);
  return parsed.success ? parsed.data.problems : [];
}

function Problems({ problems }: { problems: PolicyProblem[] }) {
  return (
    <ul className="gov-problems">
      {problems.map((problem, index) => (
        <li key={index}>
          <span className="muted">
            {problem.label}
            {problem.line === undefined ? '' : ` line ${problem.line}`}:
          </span>{' '}
          <code>{problem.path}</code> {problem.message}
        </li>
      ))}
    </ul>
  );
}

/** A host's effective policy, or as a repo's .flightdeck/policy.yaml narrows it: every rule with where it comes from. */
export function PolicyView({ host: asked }: { host?: string }) {
  const hostView = useViewHost(asked);
  const host = hostView?.name ?? null;
  const connected = hostView?.state === 'connected';
  const [repo, setRepo] = useState('');
  const [repos, setRepos] = useState<{ list: RepoInfo[]; error: string | null } | null>(null);
  const [shown, setShown] = useState<Shown>({ phase: 'loading' });
  const generation = useRef(0);

  useEffect(() => setRepo(''), [host]);
  useEffect(() => {
    setRepos(null);
    if (!host || !connected) return;
    let current = true;
    client()
      .request('repos.list', { host })
      .then(
        ({ repos: list }) => current && setRepos({ list, error: null }),
        (error: unknown) => current && setRepos({ list: [], error: errorMessage(error) }),
      );
    return () => void (current = false);
  }, [host, connected]);

  const load = useCallback(async () => {
    if (!host || !connected) return;
    const asked = ++generation.current;
    setShown({ phase: 'loading' });
    try {
      const result = await client().request('policy.show', repo === '' ? { host } : { host, repo });
      if (asked === generation.current) setShown({ phase: 'ready', result });
    } catch (error) {
      if (asked === generation.current) setShown({ phase: 'failed', error: errorMessage(error), problems: problemsOf(error) });
    }
  }, [host, repo, connected]);
  useEffect(() => void load(), [load]);

  if (!hostView || !host) {
    return (
      <section className="view policy-view" aria-labelledby="policy-title">
        <header className="view-header">
          <h1 id="policy-title">Policy</h1>
        </header>
        <NoHosts what="policy" />
      </section>
    );
  }
  return (
    <section className="view policy-view" aria-labelledby="policy-title" data-host={host}>
      <header className="view-header">
        <h1 id="policy-title">Policy</h1>
        <HostPicker view="policy" host={host} />
        <label className="gov-picker">
          <span>Repo</span>
          <select value={repo} onChange={(event) => setRepo(event.target.value)} disabled={!repos || repos.list.length === 0} data-testid="policy-repo">
            <option value="">host policy only</option>
            {repos?.list.map((entry) => (
              <option key={entry.name} value={entry.name}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
        {repos?.error && <span className="muted">repos not listed: {repos.error}</span>}
        <span className="view-hints muted">Read-only: edit the policy files on the host or in the repo</span>
        <button type="button" onClick={() => void load()} disabled={!connected || shown.phase === 'loading'} aria-label="Reload the policy">
          <Icon name="retry" /> Reload
        </button>
      </header>
      {!connected && (
        <div className="view-empty" data-offline={host}>
          <h2>{host} is not connected</h2>
          <p className="muted">
            The policy is read from {host} itself, never from a copy: it shows once {host} is back
            {hostView.error ? ` (${hostView.error})` : hostView.state === 'reconnecting' ? ' (reconnecting)' : ''}.
          </p>
          {/* How the attempt ends shows on the host itself (its state and error, above and in the sidebar). */}
          <button type="button" onClick={() => void client().request('hosts.connect', { name: host }).catch(() => undefined)}>
            Connect {host}
          </button>
        </div>
      )}
      {connected && shown.phase === 'loading' && (
        <div className="skeleton-list" role="status" aria-label={`Loading the policy of ${host}`}>
          <span />
          <span />
        </div>
      )}
      {connected && shown.phase === 'failed' && (
        <div className="notice danger" role="alert">
          <strong>
            {shown.problems.length > 0
              ? `${host} refuses ${repo ? `the policy of ${repo}` : 'its policy file'}:`
              : `The policy of ${repo ? `${repo} on ${host}` : host} could not be read:`}
          </strong>{' '}
          {shown.problems.length > 0 ? <Problems problems={shown.problems} /> : shown.error}
          <p>
            <button type="button" onClick={() => void load()}>
              Retry
            </button>
          </p>
        </div>
      )}
      {connected && shown.phase === 'ready' && (
        <div className="gov-policy" data-repo={repo || undefined}>
          <SandboxSupportNote support={shown.result.sandbox} />
          <PolicyLayers layers={shown.result.policy.layers} />
          <PolicyRules policy={shown.result.policy} />
        </div>
      )}
    </section>
  );
}
