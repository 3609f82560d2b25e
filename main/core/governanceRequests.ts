import type { AppApi } from '../../common/app/api';
import type { ParsedParamsOf, ResultOf } from '../../common/protocol/define';
import { errorMessage, WireError } from '../../common/wire/errors';
import type { HostConnection } from '../fleet/hostConnection';
import type { Lane } from '../fleet/lane';
import { FleetError } from '../ssh/errors';
import type { FleetCore } from './fleetCore';

type GovernanceRequest = 'audit.list' | 'audit.verify' | 'policy.show';

export type GovernanceRequestHandlers = { [K in GovernanceRequest]: (params: ParsedParamsOf<AppApi, K>) => Promise<ResultOf<AppApi, K>> };

function checked(name: string, lane: Lane, capability: 'audit' | 'governance'): Lane {
  if (!lane.hello.capabilities.includes(capability)) {
    const what = capability === 'audit' ? 'audit log' : 'policy';
    throw new FleetError('version-mismatch', `${name} runs agent-host ${lane.hello.hostVersion}, which has no ${what}: upgrade it (flightdeck host upgrade ${name})`);
  }
  return lane;
}

/** Reading a host's audit does not dial it: a host that is away answers from the app's mirror. */
async function connectedLane(host: HostConnection): Promise<Lane> {
  if (!host.connected) {
    const view = host.view();
    throw new FleetError('not-connected', view.error ?? `${host.name} is ${view.state === 'disconnected' ? 'not connected' : view.state}`);
  }
  return checked(host.name, await host.lane(), 'audit');
}

/** The AppApi's audit and policy: the host's answers, the cache standing in for a host that is away. */
export function governanceRequests(coreOf: () => FleetCore): GovernanceRequestHandlers {
  /** The "this host rewrote its history" alarm, wherever it was raised (the connect's anchor check or the mirror). */
  const alarmOf = (host: string) => coreOf().store.auditAnchor(host)?.alarm ?? coreOf().cache.mirrorState(host)?.alarm ?? null;
  return {
    'audit.list': async ({ host, ...filter }) => {
      try {
        const listed = await (await connectedLane(coreOf().host(host))).peer.request('audit.list', filter);
        return { ...listed, stale: null, alarm: alarmOf(host) };
      } catch (error) {
        // The host answered (bad filter, …): that answer stands; only a host that is away falls back to the mirror.
        const state = error instanceof WireError ? undefined : coreOf().cache.mirrorState(host);
        if (!state || state.mirroredAt === null) throw error;
        const { records, more } = coreOf().cache.queryAudit(host, filter);
        return { records, more, stale: { mirroredAt: state.mirroredAt, error: errorMessage(error) }, alarm: alarmOf(host) };
      }
    },
    'audit.verify': ({ host, accept }) => coreOf().verifyAudit(host, accept),
    'policy.show': async ({ host, repo }) => {
      const lane = checked(host, await coreOf().host(host).lane(), 'governance');
      return { host, ...(await lane.peer.request('policy.show', repo === undefined ? {} : { repo })) };
    },
  };
}
