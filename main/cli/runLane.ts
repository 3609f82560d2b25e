import type { Lane } from '../fleet/lane';
import { FleetError } from '../ssh/errors';
import type { CliContext } from './context';

/** The host's lane, once it is known to run runbooks (an older agent-host needs `host upgrade` first). */
export async function runLane(ctx: CliContext, host: string): Promise<Lane> {
  const lane = await ctx.core.host(host).lane();
  if (!lane.hello.capabilities.includes('runs')) {
    throw new FleetError(
      'version-mismatch',
      `${host} runs agent-host ${lane.hello.hostVersion}, which has no runbooks, runs or inbox: flightdeck host upgrade ${host}`,
    );
  }
  return lane;
}
