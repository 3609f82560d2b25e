import { useEffect, useState } from 'react';
import type { RunbookList } from '../../../../common/protocol/runbook';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';

/** A listing as last read from its host this session: shown, marked stale with its age, while the host is away. */
export interface Listing {
  list: RunbookList;
  readAt: number;
}

export type LibraryState =
  | { state: 'idle' }
  | { state: 'loading'; last: Listing | null }
  | { state: 'shown'; listing: Listing }
  | { state: 'failed'; error: string; last: Listing | null };

// Runbooks are read from the host on every listing (an edit or a push counts at once); the app caches none of them,
// so this page remembers the last answer per host and repo for when the host goes away.
const lastListings = new Map<string, Listing>();
const listingKey = (host: string, repo: string) => `${host}\n${repo}`;

/**
 * A host's runbooks for a repo ('' for the built-ins alone), listed again whenever the host (re)connects. A host that
 * is not connected is not dialled for a listing: its last listing of this session stands in.
 */
export function useRunbookLibrary(host: string, repo: string | null, connected: boolean, reload: number): LibraryState {
  const [loaded, setLoaded] = useState<{ key: string; state: LibraryState }>({ key: '', state: { state: 'idle' } });
  const key = repo === null ? '' : listingKey(host, repo);
  useEffect(() => {
    if (!host || repo === null || !connected) return;
    let current = true;
    const last = lastListings.get(key) ?? null;
    setLoaded({ key, state: { state: 'loading', last } });
    client()
      .request('runbooks.list', repo === '' ? { host } : { host, repo })
      .then(
        ({ runbooks, problems }) => {
          const listing = { list: { runbooks, problems }, readAt: Date.now() };
          lastListings.set(key, listing);
          if (current) setLoaded({ key, state: { state: 'shown', listing } });
        },
        (error: unknown) => current && setLoaded({ key, state: { state: 'failed', error: errorMessage(error), last } }),
      );
    return () => {
      current = false;
    };
  }, [host, repo, key, connected, reload]);
  if (repo === null) return { state: 'idle' };
  if (!connected) {
    const last = lastListings.get(key);
    return last ? { state: 'shown', listing: last } : { state: 'idle' };
  }
  return loaded.key === key ? loaded.state : { state: 'loading', last: lastListings.get(key) ?? null };
}
