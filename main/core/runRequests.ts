import type { AppApi } from '../../common/app/api';
import type { HostFailure, InboxEntry, RunEntry } from '../../common/app/runs';
import type { ParsedParamsOf, ResultOf } from '../../common/protocol/define';
import type { InboxDetail, InboxEvent, InboxItem, RunInfo } from '../../common/protocol/runs';
import { errorMessage, WireError } from '../../common/wire/errors';
import type { HostConnection } from '../fleet/hostConnection';
import type { Lane } from '../fleet/lane';
import { FleetError } from '../ssh/errors';
import type { FleetCore } from './fleetCore';

type RunRequest =
  | 'runbooks.list'
  | 'runs.start'
  | 'runs.list'
  | 'runs.show'
  | 'runs.record'
  | 'runs.pause'
  | 'runs.resume'
  | 'runs.cancel'
  | 'plans.edit'
  | 'inbox.list'
  | 'inbox.show'
  | 'inbox.decide';

/** Starting a run fetches the repo first: as long as that takes, within reason. */
const START_TIMEOUT_MS = 10 * 60_000;

export type RunRequestHandlers = { [K in RunRequest]: (params: ParsedParamsOf<AppApi, K>) => Promise<ResultOf<AppApi, K>> };

function runsCapable(lane: Lane): boolean {
  return lane.hello.capabilities.includes('runs');
}

/** The host's lane once it is known to run runbooks: an older agent-host says what to do instead of "unknown method". */
function checked(name: string, lane: Lane): Lane {
  if (!runsCapable(lane)) {
    throw new FleetError('version-mismatch', `${name} runs agent-host ${lane.hello.hostVersion}, which has no runbooks, runs or inbox: upgrade it (flightdeck host upgrade ${name})`);
  }
  return lane;
}

/**
 * For fleet-wide lists: a host that is not connected now is not dialled (that could raise host-key or passphrase
 * prompts behind the human's back); it says why it is away, and the list falls back to what the cache holds.
 */
async function connectedLane(host: HostConnection): Promise<Lane> {
  if (!host.connected) {
    const view = host.view();
    throw new FleetError('not-connected', view.error ?? `${host.name} is ${view.state === 'disconnected' ? 'not connected' : view.state}`);
  }
  return checked(host.name, await host.lane());
}

/** A request about one host's item: connecting first when needed, as acting on it needs the host. */
async function actingLane(host: HostConnection): Promise<Lane> {
  return checked(host.name, await host.lane());
}

/**
 * The AppApi's runs and inbox: every host's `run.*` and `inbox.*`, merged for the fleet, the cache standing in for a host that
 * is away. `coreOf`: the handlers are built before the client's core field is set.
 */
export function runRequests(coreOf: () => FleetCore): RunRequestHandlers {
  const failure = (host: string, error: unknown): HostFailure => ({ host, error: errorMessage(error), mirroredAt: coreOf().cache.mirrorState(host)?.mirroredAt ?? null });
  const acting = (host: string) => actingLane(coreOf().host(host));
  return {
    'runbooks.list': async ({ host, repo }) => ({ host, ...(await (await acting(host)).peer.request('runbook.list', repo === undefined ? {} : { repo })) }),
    'runs.start': async ({ host, ...spec }) => ({ host, ...(await (await acting(host)).peer.request('run.start', spec, { timeoutMs: START_TIMEOUT_MS })) }),
    'runs.list': async () => {
      const runs: RunEntry[] = [];
      const errors: HostFailure[] = [];
      await Promise.all(
        coreOf().listHosts().map(async ({ name }) => {
          try {
            const listed = await (await connectedLane(coreOf().host(name))).peer.request('run.list', {});
            runs.push(...listed.runs.map((run) => ({ host: name, run, stale: null })));
          } catch (error) {
            const failed = failure(name, error);
            errors.push(failed);
            const cached = coreOf().cache.runRecords(name);
            runs.push(...cached.map((entry) => ({ host: name, run: entry.record.run, stale: { mirroredAt: entry.mirroredAt, error: failed.error } })));
          }
        }),
      );
      runs.sort((a, b) => b.run.createdAt - a.run.createdAt);
      return { runs, errors };
    },
    'runs.show': async ({ host, run }) => {
      try {
        const shown = await (await connectedLane(coreOf().host(host))).peer.request('run.show', { run });
        return { host, ...shown, stale: null };
      } catch (error) {
        // The host answered (no such run, …): that answer stands; only a host that is away falls back to the cache.
        const cached = error instanceof WireError ? undefined : coreOf().cache.runRecords(host).find((entry) => entry.run === run);
        if (!cached) throw error;
        const { run: info, plans, prompts } = cached.record;
        return { host, run: info, plans, prompts, stale: { mirroredAt: cached.mirroredAt, error: errorMessage(error) } };
      }
    },
    'runs.record': async ({ host, run }) => {
      try {
        const { record } = await (await connectedLane(coreOf().host(host))).peer.request('run.record', { run });
        return { host, record, stale: null };
      } catch (error) {
        const cached = error instanceof WireError ? undefined : coreOf().cache.runRecords(host).find((entry) => entry.run === run);
        if (!cached) throw error;
        return { host, record: cached.record, stale: { mirroredAt: cached.mirroredAt, error: errorMessage(error) } };
      }
    },
    'runs.pause': async ({ host, run }) => ({ host, ...(await (await acting(host)).peer.request('run.pause', { run })) }),
    'runs.resume': async ({ host, run }) => ({ host, ...(await (await acting(host)).peer.request('run.resume', { run })) }),
    'runs.cancel': async ({ host, run }) => ({ host, ...(await (await acting(host)).peer.request('run.cancel', { run })) }),
    'plans.edit': async ({ host, ...edit }) => ({ host, ...(await (await acting(host)).peer.request('plan.edit', edit)) }),
    'inbox.list': async () => {
      const items: InboxEntry[] = [];
      const errors: HostFailure[] = [];
      await Promise.all(
        coreOf().listHosts().map(async ({ name }) => {
          try {
            const listed = await (await connectedLane(coreOf().host(name))).peer.request('inbox.list', {});
            items.push(...listed.items.map((item) => ({ ...item, host: name })));
          } catch (error) {
            errors.push(failure(name, error));
          }
        }),
      );
      items.sort((a, b) => a.since - b.since);
      return { items, errors };
    },
    'inbox.show': async ({ host, item }) => {
      const lane = await actingLane(coreOf().host(host));
      const shown = await lane.peer.request('inbox.show', { item });
      return { host, ...shown, approvals: await approvalsSoFar(lane, shown) };
    },
    'inbox.decide': async ({ host, ...decision }) => (await actingLane(coreOf().host(host))).peer.request('inbox.decide', decision),
  };
}

/**
 * Who approved a run checkpoint that touches protected paths so far (two people are needed): the host keeps it in
 * the run's record, not in the item. Null when nobody needs to know, or the record cannot be had.
 */
async function approvalsSoFar(lane: Lane, { item, detail }: { item: InboxItem; detail: InboxDetail }): Promise<string[] | null> {
  const touched = detail.kind === 'question' ? detail.input.protected_paths : undefined;
  if (!item.run || !Array.isArray(touched) || touched.length === 0) return null;
  try {
    const { record } = await lane.peer.request('run.record', { run: item.run });
    return record.items.find((entry) => entry.id === item.id)?.approvals ?? [];
  } catch {
    return null;
  }
}

/** Forwards a freshly connected host's run and inbox notifications (the lane's listeners end with it). */
export function followRunEvents(lane: Lane, onRun: (run: RunInfo) => void, onInbox: (event: InboxEvent) => void): void {
  if (!runsCapable(lane)) return;
  lane.peer.onNotification('run.event', ({ run }) => onRun(run));
  lane.peer.onNotification('inbox.event', (event) => onInbox(event));
}
