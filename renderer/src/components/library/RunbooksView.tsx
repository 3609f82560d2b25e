import '../../library.css';
import { useEffect, useRef, useState } from 'react';
import { describeRunbookProblem, type RunbookProblem } from '../../../../common/protocol/runbook';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { formatAgo, useNow } from '../../lib/age';
import { useViewKeys } from '../../lib/viewKeys';
import { useStore } from '../../store/store';
import { HostRepoPicker, pickHost, pickRepo, useFleetHosts } from './HostRepoPicker';
import { RunbookDetail, SourceTag } from './RunbookDetail';
import { RunbookList, runbookRowId } from './RunbookList';
import { StartRunForm } from './StartRunForm';
import { useHostRepos } from './useHostRepos';
import { useRunbookLibrary } from './useRunbookLibrary';

function Problems({ problems }: { problems: readonly RunbookProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <section className="runbook-problems" aria-labelledby="runbook-problems-title">
      <h2 id="runbook-problems-title">
        {problems.length} problem{problems.length === 1 ? '' : 's'} in runbook files (those runbooks cannot run until fixed)
      </h2>
      <ul className="host-problems">
        {problems.map((problem) => (
          <li key={describeRunbookProblem(problem)} className="notice warn" data-problem-file={problem.file}>
            <code>
              {problem.file}:{problem.line}
            </code>
            {problem.key && (
              <>
                {' '}
                <code>{problem.key}</code>:
              </>
            )}{' '}
            {problem.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

function connect(host: string): void {
  client()
    .request('hosts.connect', { name: host })
    .catch((error: unknown) => useStore.getState().toast('error', `Could not connect ${host}: ${errorMessage(error)}`));
}

/**
 * The runbook library of a host and repo: the built-ins and the repo's own (overriding by name), broken files as
 * problems; a runbook opened shows its parameters, roles, checkpoints and learnings, and starts a run from a form
 * generated from its parameters.
 */
export function RunbooksView({ host: wantedHost }: { host?: string }) {
  const hosts = useFleetHosts();
  const [hostChoice, setHostChoice] = useState(wantedHost);
  useEffect(() => setHostChoice(wantedHost), [wantedHost]);
  const host = pickHost(hosts, hostChoice);
  const hostState = hosts.find((entry) => entry.name === host)?.state;
  const connected = hostState === 'connected';
  const repos = useHostRepos(host, connected);
  const [repoChoice, setRepoChoice] = useState<string | null>(null);
  const repo = pickRepo(repos, repoChoice, true);
  const [reload, setReload] = useState(0);
  const library = useRunbookLibrary(host, repo, connected, reload);
  const listing = library.state === 'shown' ? library.listing : library.state === 'idle' ? null : library.last;
  const runbooks = listing?.list.runbooks ?? [];
  const now = useNow();

  const [cursor, setCursor] = useState<string | null>(null);
  const [openedName, setOpened] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const opened = runbooks.find((runbook) => runbook.name === openedName);
  const index = Math.max(0, runbooks.findIndex((runbook) => runbook.name === cursor));
  const selected = runbooks[index];
  const list = useRef<HTMLUListElement>(null);
  const startButton = useRef<HTMLButtonElement>(null);
  const backButton = useRef<HTMLButtonElement>(null);

  // Focus follows what is shown: the list, or the opened runbook's start button (Enter opens the form from there).
  useEffect(() => {
    if (starting) return;
    if (opened) (startButton.current?.disabled ? backButton.current : startButton.current)?.focus({ preventScroll: true });
    else list.current?.focus({ preventScroll: true });
  }, [opened?.name, starting, runbooks.length > 0]);
  useEffect(() => {
    if (selected && !opened) document.getElementById(runbookRowId(selected.name))?.scrollIntoView({ block: 'nearest' });
  }, [selected, opened]);

  const open = (name: string) => {
    setCursor(name);
    setOpened(name);
  };
  const start = () => connected && setStarting(true);
  useViewKeys((event) => {
    if (starting) return false;
    if (opened) {
      if (event.key === 'Escape') setOpened(null);
      else if (event.key === 's') start();
      else return false;
      return true;
    }
    const move = (by: number) => {
      const next = runbooks[Math.max(0, Math.min(runbooks.length - 1, index + by))];
      if (next) setCursor(next.name);
    };
    if (event.key === 'j' || event.key === 'ArrowDown') move(1);
    else if (event.key === 'k' || event.key === 'ArrowUp') move(-1);
    else if (!selected) return false;
    else if (event.key === 'Enter' || event.key === 'o') open(selected.name);
    else if (event.key === 's') {
      setCursor(selected.name);
      setOpened(selected.name);
      start();
    } else return false;
    return true;
  });

  return (
    <section className="view library-view" aria-labelledby="runbooks-title" data-opened={opened?.name}>
      <header className="view-header">
        {opened && (
          <button type="button" className="back-button" ref={backButton} onClick={() => setOpened(null)}>
            ← Runbooks
          </button>
        )}
        <h1 id="runbooks-title">
          {opened ? (
            <>
              {opened.name}
              <span className="muted">@{opened.version}</span>
            </>
          ) : (
            'Runbooks'
          )}
        </h1>
        {opened ? <SourceTag runbook={opened} /> : listing && <span className="view-count">{runbooks.length}</span>}
        <span className="view-hints muted">
          {opened ? (
            <>
              <kbd>s</kbd> start a run · <kbd>Esc</kbd> back
            </>
          ) : (
            <>
              <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>s</kbd> start a run
            </>
          )}
        </span>
        {opened && (
          <button type="button" className="primary" ref={startButton} onClick={start} disabled={!connected} title={connected ? 'Start a run (s)' : `${host} is not connected`}>
            Start a run…
          </button>
        )}
      </header>
      <div className="library-toolbar">
        <HostRepoPicker
          hosts={hosts}
          host={host}
          onHost={(next) => {
            setHostChoice(next);
            setOpened(null);
          }}
          repos={repos}
          repo={repo}
          onRepo={(next) => {
            setRepoChoice(next);
            setOpened(null);
          }}
          builtInsAllowed
        />
        <button type="button" className="ghost-button" onClick={() => setReload((count) => count + 1)} disabled={!connected || library.state === 'loading'}>
          {library.state === 'loading' && connected ? 'Reading…' : 'Read again'}
        </button>
        {listing && (!connected || library.state === 'failed') && (
          <span className="stale-tag" title="As last read from the host in this window">
            stale · read {formatAgo(now - listing.readAt)}
          </span>
        )}
      </div>
      {hosts.length === 0 && (
        <div className="view-empty">
          <h2>No hosts yet</h2>
          <p className="muted">Runbooks live on the hosts: add one (Ctrl+Shift+H) to see its library.</p>
        </div>
      )}
      {host && !connected && (
        <p className="notice warn" role="status" data-host-offline={host}>
          {host} is {hostState === 'disconnected' ? 'not connected' : hostState}: runbooks are read from the host
          {listing ? `; shown as read ${formatAgo(now - listing.readAt)}` : ', and none were read from it in this window'}.{' '}
          <button type="button" onClick={() => connect(host)}>
            Connect
          </button>
        </p>
      )}
      {repos.state === 'failed' && connected && <p className="notice warn">Could not read {host}'s repos ({repos.error}): the built-in runbooks only.</p>}
      {library.state === 'failed' && (
        <p className="notice danger" role="alert">
          Could not read {host}'s runbooks: {library.error}{' '}
          <button type="button" onClick={() => setReload((count) => count + 1)}>
            Retry
          </button>
        </p>
      )}
      {!listing && connected && library.state !== 'failed' && (
        <div className="skeleton-list" role="status" aria-label="Reading the runbooks">
          <span />
          <span />
          <span />
        </div>
      )}
      {listing && !opened && <Problems problems={listing.list.problems} />}
      {listing && runbooks.length === 0 && (
        <div className="view-empty">
          <h2>No usable runbooks</h2>
          <p className="muted">
            {host} has no built-in runbooks{repo ? ` and ${repo} has none of its own in .flightdeck/runbooks/` : ''}; fix the problems above, or add one.
          </p>
        </div>
      )}
      {opened ? (
        <RunbookDetail runbook={opened} />
      ) : (
        runbooks.length > 0 && <RunbookList ref={list} runbooks={runbooks} selected={selected?.name} onSelect={setCursor} onOpen={open} />
      )}
      {starting && opened && repo !== null && <StartRunForm name={opened.name} host={host} repo={repo} hosts={hosts} onClose={() => setStarting(false)} />}
    </section>
  );
}
