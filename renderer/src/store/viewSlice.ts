import type { StateCreator } from 'zustand';
import type { Store } from './store';

/**
 * What the workspace shows: terminals, the fleet's inbox, one inbox item, the runs, one run's graph, a host's audit or
 * policy, the runbook library, or the fleet's agents. `host`: the host a per-host view opened on (else the first).
 */
export type View =
  | { kind: 'terminals' }
  | { kind: 'inbox' }
  /** `reject`: opened with r from the list, the feedback box open. */
  | { kind: 'item'; host: string; item: string; reject?: boolean }
  | { kind: 'runs' }
  | { kind: 'run'; host: string; run: string }
  | { kind: 'audit'; host?: string }
  | { kind: 'policy'; host?: string }
  | { kind: 'runbooks'; host?: string }
  | { kind: 'agents' };

export interface ViewSlice {
  view: View;
  /** The inbox's cursor, kept while an item is open so going back lands where the human was. */
  inboxCursor: string | null;
  /** A run's graph shows the terminals beside it (a step's agent was opened from the graph). */
  terminalsBeside: boolean;
  showView(view: View): void;
  setInboxCursor(key: string | null): void;
  setTerminalsBeside(beside: boolean): void;
}

export const createViewSlice: StateCreator<Store, [], [], ViewSlice> = (set) => ({
  view: { kind: 'terminals' },
  inboxCursor: null,
  terminalsBeside: false,
  showView: (view) => set({ view, paletteOpen: false, terminalsBeside: false }),
  setInboxCursor: (inboxCursor) => set({ inboxCursor }),
  setTerminalsBeside: (terminalsBeside) => set({ terminalsBeside }),
});

/** The key of an inbox entry across the fleet. */
export function itemKey(host: string, item: string): string {
  return `${host}/${item}`;
}
