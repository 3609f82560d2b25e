import type { AppApi } from '../../common/app/api';
import type { ParsedParamsOf, ResultOf } from '../../common/protocol/define';
import { runsAgents } from '../fleet/agentRoster';
import type { Lane } from '../fleet/lane';
import { FleetError } from '../ssh/errors';

/** Starting fetches the repo first, resuming launches a process: as long as that takes, within reason. */
const START_TIMEOUT_MS = 10 * 60_000;

type AgentRequest =
  | 'repos.list'
  | 'profiles.list'
  | 'agents.start'
  | 'agents.send'
  | 'agents.stop'
  | 'agents.resume'
  | 'agents.remove'
  | 'approvals.decide';

/** A host's control lane, connecting first when needed. */
export type HostLane = (host: string) => Promise<Lane>;

export type AgentRequestHandlers = { [K in AgentRequest]: (params: ParsedParamsOf<AppApi, K>) => Promise<ResultOf<AppApi, K>> };

/** The host's lane, once it is known to run agents: an older agent-host says what to do instead of "unknown method". */
async function agentLane(hostLane: HostLane, host: string): Promise<Lane> {
  const lane = await hostLane(host);
  if (!runsAgents(lane)) {
    throw new FleetError(
      'version-mismatch',
      `${host} runs agent-host ${lane.hello.hostVersion}, which has no repos or agents: upgrade it (flightdeck host upgrade ${host})`,
    );
  }
  return lane;
}

/** The AppApi's repos, profiles and agents: each a request on the host's control lane. */
export function agentRequests(hostLane: HostLane): AgentRequestHandlers {
  const lane = (host: string) => agentLane(hostLane, host);
  return {
    'repos.list': async ({ host }) => (await lane(host)).peer.request('repo.list', {}),
    'profiles.list': async ({ host }) => (await lane(host)).peer.request('profile.list', {}),
    'agents.start': async ({ host, ...spec }) => (await lane(host)).peer.request('agent.start', spec, { timeoutMs: START_TIMEOUT_MS }),
    'agents.send': async ({ host, agent, text }) => (await lane(host)).peer.request('agent.send', { agent, text }),
    'agents.stop': async ({ host, agent }) => (await lane(host)).peer.request('agent.stop', { agent }),
    'agents.resume': async ({ host, ...size }) => (await lane(host)).peer.request('agent.resume', size, { timeoutMs: START_TIMEOUT_MS }),
    'agents.remove': async ({ host, agent, force }) => {
      await (await lane(host)).peer.request('agent.remove', { agent, force });
      return {};
    },
    // Only a host that holds commands for approval ever shows one, so no capability check is needed here.
    'approvals.decide': async ({ host, ...decision }) => (await lane(host)).peer.request('approval.decide', decision),
  };
}
