import { useEffect, useState } from 'react';
import type { RepoInfo } from '../../../../common/protocol/agents';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';

export type ReposState = { state: 'loading' } | { state: 'shown'; repos: RepoInfo[] } | { state: 'failed'; error: string };

const lastRepos = new Map<string, RepoInfo[]>();

/** The repos cloned on a host (the last known ones while it is away). */
export function useHostRepos(host: string, connected: boolean): ReposState {
  const [loaded, setLoaded] = useState<{ host: string; state: ReposState }>({ host: '', state: { state: 'loading' } });
  useEffect(() => {
    if (!host || !connected) return;
    let current = true;
    client()
      .request('repos.list', { host })
      .then(
        ({ repos }) => {
          lastRepos.set(host, repos);
          if (current) setLoaded({ host, state: { state: 'shown', repos } });
        },
        (error: unknown) => current && setLoaded({ host, state: { state: 'failed', error: errorMessage(error) } }),
      );
    return () => {
      current = false;
    };
  }, [host, connected]);
  const last = lastRepos.get(host);
  if (!connected) return last ? { state: 'shown', repos: last } : { state: 'failed', error: `${host} is not connected` };
  if (loaded.host === host) return loaded.state;
  return last ? { state: 'shown', repos: last } : { state: 'loading' };
}
