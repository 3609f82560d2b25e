import type { StateCreator } from 'zustand';
import type { HostFailure, InboxEntry, RunEntry } from '../../../common/app/runs';
import type { InboxEvent, RunInfo } from '../../../common/protocol/runs';
import type { Store } from './store';

/** A fleet-wide list as last loaded: null until the first answer; `error` when the core itself refused. */
export interface Listed<T> {
  entries: T[] | null;
  /** Hosts that could not be asked (offline, older agent-host), with how old their cached copy is. */
  hostErrors: HostFailure[];
  error: string | null;
}

export interface RunsSlice {
  runs: Listed<RunEntry>;
  inbox: Listed<InboxEntry>;
  setRuns(runs: RunEntry[], hostErrors: HostFailure[]): void;
  setRunsError(error: string): void;
  applyRunEvent(host: string, run: RunInfo): void;
  setInbox(items: InboxEntry[], hostErrors: HostFailure[]): void;
  setInboxError(error: string): void;
  applyInboxEvent(host: string, event: InboxEvent): void;
}

const empty = <T>(): Listed<T> => ({ entries: null, hostErrors: [], error: null });

export const createRunsSlice: StateCreator<Store, [], [], RunsSlice> = (set) => ({
  runs: empty(),
  inbox: empty(),
  setRuns: (entries, hostErrors) => set({ runs: { entries, hostErrors, error: null } }),
  setRunsError: (error) => set((state) => ({ runs: { ...state.runs, error } })),
  // A live event replaces the run (a stale copy of it too: the host is evidently back); a new run goes first.
  applyRunEvent: (host, run) =>
    set((state) => {
      const entries = state.runs.entries;
      if (!entries) return {};
      const fresh: RunEntry = { host, run, stale: null };
      const known = entries.find((entry) => entry.host === host && entry.run.id === run.id);
      // Events and lists cross on the way: never go back to an older state of the run.
      if (known && !known.stale && known.run.updatedAt > run.updatedAt) return {};
      return {
        runs: {
          ...state.runs,
          entries: known ? entries.map((entry) => (entry.host === host && entry.run.id === run.id ? fresh : entry)) : [fresh, ...entries],
        },
      };
    }),
  setInbox: (entries, hostErrors) => set({ inbox: { entries, hostErrors, error: null } }),
  setInboxError: (error) => set((state) => ({ inbox: { ...state.inbox, error } })),
  applyInboxEvent: (host, event) =>
    set((state) => {
      const entries = state.inbox.entries;
      if (!entries) return {};
      const others = entries.filter((entry) => !(entry.host === host && entry.id === event.item.id));
      const next = event.type === 'removed' ? others : [...others, { ...event.item, host }].sort((a, b) => a.since - b.since);
      return { inbox: { ...state.inbox, entries: next } };
    }),
});
