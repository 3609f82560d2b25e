import type { AppClient } from '../../../common/app/client';
import type { ConnectionState } from '../../../common/app/hosts';
import { errorMessage } from '../../../common/wire/errors';
import { useStore } from '../store/store';

/** Hosts coming and going in a burst (startup, a network blip) reload the lists once. */
const RELOAD_DEBOUNCE_MS = 150;

/**
 * Keeps the fleet's runs and inbox in the store: events apply as they come, and both lists are loaded again whenever
 * a host connects or goes (what it holds may have changed meanwhile, and an offline host's runs come from the cache).
 */
export function syncRuns(client: AppClient): void {
  const states = new Map<string, ConnectionState>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reloadSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reloadRuns(client), RELOAD_DEBOUNCE_MS);
  };
  client.on('runs.event', ({ host, run }) => useStore.getState().applyRunEvent(host, run));
  client.on('inbox.event', ({ host, event }) => useStore.getState().applyInboxEvent(host, event));
  client.on('hosts.changed', ({ host }) => {
    // Before its first event, a host is as the fleet list had it (this listener runs before the store applies the event).
    const before = states.get(host.name) ?? useStore.getState().hosts[host.name]?.state;
    states.set(host.name, host.state);
    if ((before === 'connected') !== (host.state === 'connected')) reloadSoon();
  });
  client.on('hosts.removed', ({ name }) => {
    states.delete(name);
    reloadSoon();
  });
  void reloadRuns(client);
}

/** Loads the fleet's runs and inbox again (also the retry of a list that failed). */
export async function reloadRuns(client: AppClient): Promise<void> {
  await Promise.all([
    client.request('runs.list', {}).then(
      ({ runs, errors }) => useStore.getState().setRuns(runs, errors),
      (error: unknown) => useStore.getState().setRunsError(`Could not load the runs: ${errorMessage(error)}`),
    ),
    client.request('inbox.list', {}).then(
      ({ items, errors }) => useStore.getState().setInbox(items, errors),
      (error: unknown) => useStore.getState().setInboxError(`Could not load the inbox: ${errorMessage(error)}`),
    ),
  ]);
}
