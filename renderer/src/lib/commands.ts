import { parseTerminalKey } from '../../../common/app/api';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { useStore } from '../store/store';
import { findController } from '../terminal/registry';
import type { CommandId } from './shortcuts';
import { openItem } from './inboxActions';
import { whoIsWaiting, type WaitingRef } from './waiting';

/** Listeners for "find in the focused terminal", owned by the pane that shows the search bar. */
const findListeners = new Set<(key: string) => void>();
export function onFind(listener: (key: string) => void): () => void {
  findListeners.add(listener);
  return () => findListeners.delete(listener);
}

function hostOfFocusedPane(): string | null {
  const key = useStore.getState().focusedPane;
  return key ? key.slice(0, key.indexOf('~')) : null;
}

/** A per-host view opens on the host the human is looking at (the focused terminal's, or the open view's). */
function hostOfView(): { host?: string } {
  const { view } = useStore.getState();
  const host = 'host' in view && view.host ? view.host : hostOfFocusedPane();
  return host ? { host } : {};
}

export function runCommand(command: CommandId): void {
  const store = useStore.getState();
  switch (command) {
    case 'palette':
      store.setPaletteOpen(!store.paletteOpen);
      return;
    case 'add-host':
      store.openDialog({ kind: 'add-host' });
      return;
    case 'new-session':
      store.openDialog({ kind: 'start-session', host: hostOfFocusedPane(), placement: 'tab' });
      return;
    case 'split-session':
      store.openDialog({ kind: 'start-session', host: hostOfFocusedPane(), placement: 'split' });
      return;
    case 'start-agent':
      store.openDialog({ kind: 'start-agent', host: hostOfFocusedPane() });
      return;
    case 'close-pane':
      if (store.focusedPane) store.closePane(store.focusedPane);
      return;
    case 'remove-session':
      if (store.focusedPane) void removeSession(store.focusedPane);
      return;
    case 'next-waiting': {
      const next = whoIsWaiting(store.hosts, store.hostOrder, store.inbox.entries)[0];
      if (next) openWaiting(next);
      else store.toast('info', 'Nobody is waiting on you.');
      return;
    }
    case 'find':
      if (store.focusedPane) for (const listener of findListeners) listener(store.focusedPane);
      return;
    case 'inbox':
      store.showView({ kind: 'inbox' });
      return;
    case 'runs':
      store.showView({ kind: 'runs' });
      return;
    case 'terminals':
      store.showView({ kind: 'terminals' });
      return;
    case 'agents':
      store.showView({ kind: 'agents' });
      return;
    case 'runbooks':
    case 'audit':
    case 'policy':
      store.showView({ kind: command, ...hostOfView() });
      return;
    case 'next-tab':
    case 'previous-tab': {
      const index = store.tabs.findIndex((tab) => tab.id === store.activeTabId);
      if (index < 0) return;
      const step = command === 'next-tab' ? 1 : -1;
      const target = store.tabs[(index + step + store.tabs.length) % store.tabs.length];
      if (target) store.activateTab(target.id);
      return;
    }
  }
}

/** Forgets an ended session and its output on its host; a running one has to be killed first, and is left alone. */
export async function removeSession(key: string): Promise<void> {
  const store = useStore.getState();
  const ref = parseTerminalKey(key);
  const session = ref ? store.hosts[ref.host]?.sessions.find((candidate) => candidate.id === ref.sessionId) : undefined;
  if (!ref || !session) return;
  if (session.status !== 'exited' && session.status !== 'interrupted') {
    store.toast('info', `${session.name || session.id} is still running: end it before removing it.`);
    return;
  }
  try {
    await client().request('sessions.remove', { host: ref.host, sessionId: ref.sessionId });
    useStore.getState().closePane(key);
  } catch (error) {
    useStore.getState().toast('error', `Could not remove ${session.name || session.id}: ${errorMessage(error)}`);
  }
}

/** Shows what waits: the inbox item an agent waits on, else its terminal, or for an agent without a session the message dialog. */
export function openWaiting(ref: WaitingRef): void {
  const store = useStore.getState();
  if (ref.kind === 'agent' && ref.item) openItem(ref.host, ref.item.id);
  else if (ref.key) {
    store.openTerminal(ref.key);
    focusTerminal(ref.key);
  } else if (ref.kind === 'agent') store.openDialog({ kind: 'message-agent', host: ref.host, agent: ref.agent.name });
}

export function focusTerminal(key: string): void {
  requestAnimationFrame(() => findController(key)?.focus());
}
