import { terminalKey } from '../../../common/app/api';
import { useStore } from '../store/store';
import { findController } from '../terminal/registry';
import type { CommandId } from './shortcuts';
import { waitingSessions } from './waiting';

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
    case 'close-pane':
      if (store.focusedPane) store.closePane(store.focusedPane);
      return;
    case 'next-waiting': {
      const next = waitingSessions(store.hosts, store.hostOrder)[0];
      if (next) store.openTerminal(terminalKey(next.host, next.session.id));
      else store.toast('info', 'Nobody is waiting on you.');
      return;
    }
    case 'find':
      if (store.focusedPane) for (const listener of findListeners) listener(store.focusedPane);
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

export function focusTerminal(key: string): void {
  requestAnimationFrame(() => findController(key)?.focus());
}
