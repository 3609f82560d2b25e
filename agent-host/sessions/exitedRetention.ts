import type { SessionInfo } from '../../common/protocol/session';

/** How long, and how much of, ended sessions (exited or interrupted) the host keeps; 0 means no limit. */
export interface ExitedRetention {
  maxAgeMs: number;
  maxTotalBytes: number;
}

export interface Expired {
  session: SessionInfo;
  reason: string;
}

/** Journal bytes a session holds (what is left after its own retention cut). */
export const retainedBytes = (info: SessionInfo): number => info.endOffset - info.retainedFrom;

const ended = (info: SessionInfo) => info.status === 'exited' || info.status === 'interrupted';

/**
 * The ended sessions to remove, oldest end first: every one that ended longer than maxAgeMs ago, then the
 * oldest of the rest until those left hold at most maxTotalBytes — except the one that ended last, whose output
 * someone may be about to read. Running sessions are never chosen.
 */
export function expiredSessions(sessions: readonly SessionInfo[], policy: ExitedRetention, now: number): Expired[] {
  const endedAt = (info: SessionInfo) => info.endedAt ?? info.createdAt;
  const candidates = sessions.filter(ended).sort((a, b) => endedAt(a) - endedAt(b));
  const expired: Expired[] = [];
  const kept: SessionInfo[] = [];
  for (const session of candidates) {
    if (policy.maxAgeMs > 0 && now - endedAt(session) > policy.maxAgeMs) {
      expired.push({ session, reason: `ended ${formatAge(now - endedAt(session))} ago; ended sessions are kept ${formatAge(policy.maxAgeMs)}` });
    } else kept.push(session);
  }
  if (policy.maxTotalBytes === 0) return expired;
  let total = kept.reduce((sum, session) => sum + retainedBytes(session), 0);
  for (const session of kept.slice(0, -1)) {
    if (total <= policy.maxTotalBytes) break;
    expired.push({
      session,
      reason: `ended sessions hold ${total} bytes of output, over the ${policy.maxTotalBytes} kept; this one ended first`,
    });
    total -= retainedBytes(session);
  }
  return expired;
}

function formatAge(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const [unit, size] = units.find(([, size]) => ms >= size) ?? ['ms', 1];
  return `${Math.floor(ms / size)}${unit}`;
}
