import type { SessionInfo } from '../../common/protocol/session';
import type { Lane } from '../fleet/lane';
import { FleetError } from '../ssh/errors';
import type { CliContext } from './context';
import { parseSessionRef } from './context';

/**
 * Connects to the host of HOST/SESSION and finds the session by id, by agent name (the agent's current session), or
 * by session name when the name is unique.
 */
export async function resolveSession(ctx: CliContext, ref: string | undefined): Promise<{ host: string; lane: Lane; session: SessionInfo }> {
  const parsed = parseSessionRef(ref);
  const lane = await ctx.core.host(parsed.host).lane();
  const { sessions } = await lane.peer.request('session.list', {});
  const byId = sessions.find((session) => session.id === parsed.session);
  const agents = !byId && lane.hello.capabilities.includes('agents') ? (await lane.peer.request('agent.list', {})).agents : [];
  const agentSession = agents.find((agent) => agent.name === parsed.session)?.sessionId;
  const byAgent = sessions.find((session) => session.id === agentSession);
  const byName = sessions.filter((session) => session.name === parsed.session);
  const session = byId ?? byAgent ?? (byName.length === 1 ? byName[0] : undefined);
  if (!session) {
    const why = byName.length > 1 ? `several sessions are named "${parsed.session}"; use the id` : `no session "${parsed.session}"`;
    throw new FleetError('session-not-found', `${parsed.host}: ${why}`);
  }
  return { host: parsed.host, lane, session };
}
