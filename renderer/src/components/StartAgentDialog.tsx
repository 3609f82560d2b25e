import { useEffect, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { AgentName, type ProfileInfo, type RepoInfo } from '../../../common/protocol/agents';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { openAgent } from '../lib/agentActions';
import { useStore } from '../store/store';
import { Modal } from './Modal';

interface Choices {
  host: string;
  profiles: ProfileInfo[];
  repos: RepoInfo[];
}

/** The profiles and repos of the chosen host, fetched when it changes; a late answer for another host is dropped. */
function useChoices(host: string): { choices: Choices | null; error: string | null } {
  const [choices, setChoices] = useState<Choices | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!host) return;
    let current = true;
    setChoices(null);
    setError(null);
    Promise.all([client().request('profiles.list', { host }), client().request('repos.list', { host })])
      .then(([{ profiles }, { repos }]) => current && setChoices({ host, profiles, repos }))
      .catch((failure) => current && setError(`Could not read ${host}'s profiles and repos: ${errorMessage(failure)}`));
    return () => {
      current = false;
    };
  }, [host]);
  return { choices: choices?.host === host ? choices : null, error };
}

function profileLabel(profile: ProfileInfo): string {
  return `${profile.name} — ${profile.kind}${profile.model ? ` · ${profile.model}` : ''}`;
}

export function StartAgentDialog({ host: initialHost }: { host: string | null }) {
  const close = () => useStore.getState().openDialog(null);
  // Only hosts whose agent-host runs agents: an older one needs `host upgrade` first.
  const eligible = useStore(
    useShallow((state) => state.hostOrder.filter((name) => state.hosts[name]?.state === 'connected' && state.hosts[name]?.agents !== undefined)),
  );
  const [host, setHost] = useState(initialHost && eligible.includes(initialHost) ? initialHost : (eligible[0] ?? ''));
  const { choices, error: loadError } = useChoices(host);
  const [profile, setProfile] = useState('');
  const [repo, setRepo] = useState('');
  const [task, setTask] = useState('');
  const [name, setName] = useState('');
  const [base, setBase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // A choice that the newly chosen host does not have falls back to its first.
  const chosenProfile = choices?.profiles.some((entry) => entry.name === profile) ? profile : (choices?.profiles[0]?.name ?? '');
  const chosenRepo = choices?.repos.some((entry) => entry.name === repo) ? repo : (choices?.repos[0]?.name ?? '');

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (busy) return;
    if (!host) return setError('No connected host runs agents.');
    if (!chosenProfile) return setError(`${host} has no profiles.`);
    if (!chosenRepo) return setError(`${host} has no repos yet: flightdeck repo add ${host} NAME GIT_URL`);
    if (!task.trim()) return setError('Say what the agent should do.');
    const parsedName = name.trim() ? AgentName.safeParse(name.trim()) : null;
    if (parsedName && !parsedName.success) return setError(`Name: ${parsedName.error.issues[0]?.message ?? 'invalid'}`);
    setBusy(true);
    setError(null);
    try {
      const { agent } = await client().request('agents.start', {
        host,
        profile: chosenProfile,
        repo: chosenRepo,
        task: task.trim(),
        ...(parsedName ? { name: parsedName.data } : {}),
        ...(base.trim() ? { base: base.trim() } : {}),
      });
      close();
      openAgent(host, agent);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };

  const noHost = eligible.length === 0;
  return (
    <Modal title="Start an agent" onClose={busy ? undefined : close}>
      <form onSubmit={submit} className="form">
        <label>
          <span>Host</span>
          {noHost ? (
            <span className="form-error">No connected host runs agents. Connect one, or upgrade an older agent-host (flightdeck host upgrade NAME).</span>
          ) : (
            <select name="host" value={host} onChange={(event) => setHost(event.target.value)}>
              {eligible.map((entry) => (
                <option key={entry} value={entry}>
                  {entry}
                </option>
              ))}
            </select>
          )}
        </label>
        {loadError && <p className="form-error" role="alert">{loadError}</p>}
        {!noHost && !choices && !loadError && <p className="muted">Reading {host}'s profiles and repos…</p>}
        {choices && (
          <>
            <label>
              <span>Profile</span>
              <select name="profile" value={chosenProfile} onChange={(event) => setProfile(event.target.value)}>
                {choices.profiles.map((entry) => (
                  <option key={entry.name} value={entry.name} title={entry.description ?? entry.source}>
                    {profileLabel(entry)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span>Repo</span>
              {choices.repos.length ? (
                <select name="repo" value={chosenRepo} onChange={(event) => setRepo(event.target.value)}>
                  {choices.repos.map((entry) => (
                    <option key={entry.name} value={entry.name} title={entry.url}>
                      {entry.name} ({entry.branch})
                    </option>
                  ))}
                </select>
              ) : (
                <span className="form-error">
                  No repos on {host} yet: <code>flightdeck repo add {host} NAME GIT_URL</code>
                </span>
              )}
            </label>
          </>
        )}
        <label>
          <span>Task</span>
          <textarea
            name="task"
            rows={5}
            value={task}
            onChange={(event) => setTask(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                void submit();
              }
            }}
            placeholder="Fix the flaky login test and explain the cause."
            autoFocus
            required
          />
        </label>
        <label>
          <span>Name</span>
          <input name="name" value={name} onChange={(event) => setName(event.target.value)} placeholder={`${chosenProfile || 'profile'}-xxxx (branch flightdeck/<name>)`} />
        </label>
        <details className="advanced">
          <summary>Advanced</summary>
          <label>
            <span>Start from</span>
            <input name="base" value={base} onChange={(event) => setBase(event.target.value)} placeholder={`${chosenRepo || 'the repo'}'s branch, fetched first`} />
          </label>
        </details>
        {error && <p className="form-error" role="alert">{error}</p>}
        <footer className="modal-actions">
          <button type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !choices || !chosenRepo} title="Start (Ctrl+Enter in the task)">
            {busy ? 'Starting…' : 'Start agent'}
          </button>
        </footer>
      </form>
    </Modal>
  );
}
