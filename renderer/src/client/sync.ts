import type { AppClient } from '../../../common/app/client';
import { errorMessage } from '../../../common/wire/errors';
import { useStore } from '../store/store';

/** Mirrors the core's fleet and prompts into the store: subscribe first, then load, so no event is missed. */
export async function syncStore(client: AppClient): Promise<void> {
  const store = useStore.getState();
  client.on('hosts.changed', ({ host }) => useStore.getState().upsertHost(host));
  client.on('hosts.removed', ({ name }) => useStore.getState().removeHost(name));
  client.on('sessions.event', ({ host, event }) => useStore.getState().applySessionEvent(host, event));
  client.on('agents.event', ({ host, event }) => useStore.getState().applyAgentEvent(host, event));
  client.on('prompts.raised', (prompt) => useStore.getState().addPrompt(prompt));
  client.on('prompts.settled', ({ id }) => useStore.getState().settlePrompt(id));
  try {
    const [{ hosts }, { prompts }] = await Promise.all([
      client.request('hosts.list', {}),
      client.request('prompts.pending', {}),
    ]);
    store.setHosts(hosts);
    for (const prompt of prompts) store.addPrompt(prompt);
  } catch (error) {
    store.setFleetError(`Could not load the fleet: ${errorMessage(error)}`);
  }
}
