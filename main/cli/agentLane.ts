import type { Lane } from '../fleet/lane';
import { FleetError } from '../ssh/errors';
import type { CliContext } from './context';

/** The host's lane, once it is known to run agents (an older agent-host needs `host upgrade` first). */
export async function agentLane(ctx: CliContext, host: string): Promise<Lane> {
  const lane = await ctx.core.host(host).lane();
  if (!lane.hello.capabilities.includes('agents')) {
    throw new FleetError(
      'version-mismatch',
      `${host} runs agent-host ${lane.hello.hostVersion}, which has no repos or agents: flightdeck host upgrade ${host}`,
    );
  }
  return lane;
}
