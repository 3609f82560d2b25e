import type { StateCreator } from 'zustand';
import type { Store } from './store';

/** A tab holds one to MAX_PANES terminals in a grid; panes are terminal keys (host~sessionId). */
export interface Tab {
  id: string;
  panes: string[];
}

export const MAX_PANES = 4;

export interface LayoutSlice {
  tabs: Tab[];
  activeTabId: string | null;
  focusedPane: string | null;
  /** Show the terminal: focus it if open, else open it in a new tab or split the active tab. */
  openTerminal(key: string, placement?: 'tab' | 'split'): void;
  closePane(key: string): void;
  activateTab(id: string): void;
  focusPane(key: string): void;
}

let nextTabNumber = 1;
const newTab = (panes: string[]): Tab => ({ id: `tab-${nextTabNumber++}`, panes });

export const createLayoutSlice: StateCreator<Store, [], [], LayoutSlice> = (set) => ({
  tabs: [],
  activeTabId: null,
  focusedPane: null,
  openTerminal: (key, placement = 'tab') =>
    set((state) => {
      // Terminals take the workspace, unless a run's graph or an inbox item keeps them beside it.
      const view = (state.view.kind === 'run' || state.view.kind === 'item') && state.terminalsBeside ? state.view : { kind: 'terminals' as const };
      const existing = state.tabs.find((tab) => tab.panes.includes(key));
      if (existing) return { activeTabId: existing.id, focusedPane: key, view };
      const active = state.tabs.find((tab) => tab.id === state.activeTabId);
      if (placement === 'split' && active && active.panes.length < MAX_PANES) {
        const tabs = state.tabs.map((tab) => (tab.id === active.id ? { ...tab, panes: [...tab.panes, key] } : tab));
        return { tabs, focusedPane: key, view };
      }
      const tab = newTab([key]);
      return { tabs: [...state.tabs, tab], activeTabId: tab.id, focusedPane: key, view };
    }),
  closePane: (key) =>
    set((state) => {
      const index = state.tabs.findIndex((tab) => tab.panes.includes(key));
      if (index < 0) return {};
      const tab = state.tabs[index]!;
      const panes = tab.panes.filter((pane) => pane !== key);
      const tabs = panes.length
        ? state.tabs.map((entry) => (entry.id === tab.id ? { ...entry, panes } : entry))
        : state.tabs.filter((entry) => entry.id !== tab.id);
      const activeTab = tabs.find((entry) => entry.id === state.activeTabId) ?? tabs[Math.min(index, tabs.length - 1)];
      return {
        tabs,
        activeTabId: activeTab?.id ?? null,
        focusedPane: state.focusedPane === key ? (activeTab?.panes[0] ?? null) : state.focusedPane,
      };
    }),
  activateTab: (id) =>
    set((state) => {
      const tab = state.tabs.find((entry) => entry.id === id);
      return tab ? { activeTabId: id, focusedPane: tab.panes[0] ?? null } : {};
    }),
  focusPane: (key) => set({ focusedPane: key }),
});
