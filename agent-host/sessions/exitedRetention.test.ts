import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../common/protocol/session';
import { expiredSessions } from './exitedRetention';

const HOUR = 3_600_000;
const NOW = 100 * HOUR;

function session(id: string, status: SessionInfo['status'], endedHoursAgo: number | null, bytes: number): SessionInfo {
  return {
    id, name: id, command: 'sh', args: [], cwd: '/', labels: {}, cols: 80, rows: 24, status, pid: null, exitCode: 0,
    exitSignal: null, createdAt: 0, endedAt: endedHoursAgo === null ? null : NOW - endedHoursAgo * HOUR,
    endOffset: bytes + 500, retainedFrom: 500, inputAllowed: true,
  };
}

const ids = (sessions: SessionInfo[], maxAgeMs: number, maxTotalBytes: number) =>
  expiredSessions(sessions, { maxAgeMs, maxTotalBytes }, NOW).map((expired) => expired.session.id);

describe('expiredSessions', () => {
  it('removes ended sessions older than the age kept, never running ones', () => {
    const sessions = [
      session('old-exit', 'exited', 30, 10),
      session('old-interrupted', 'interrupted', 25, 10),
      session('young', 'exited', 1, 10),
      session('running', 'working', null, 10),
    ];
    expect(ids(sessions, 24 * HOUR, 0)).toEqual(['old-exit', 'old-interrupted']);
  });

  it('then removes the oldest ended sessions until the rest fit the bytes kept', () => {
    const sessions = [
      session('c', 'exited', 1, 400),
      session('a', 'exited', 3, 400),
      session('running', 'idle', null, 10_000),
      session('b', 'interrupted', 2, 400),
    ];
    expect(ids(sessions, 0, 800)).toEqual(['a']);
    expect(ids(sessions, 0, 799)).toEqual(['a', 'b']);
    expect(ids(sessions, 0, 0)).toEqual([]);
    // The last one to end stays even when it alone is over the size.
    expect(ids(sessions, 0, 1)).toEqual(['a', 'b']);
  });

  it('names the rule in the reason', () => {
    const [byAge] = expiredSessions([session('a', 'exited', 50, 1)], { maxAgeMs: 48 * HOUR, maxTotalBytes: 0 }, NOW);
    expect(byAge!.reason).toBe('ended 2d ago; ended sessions are kept 2d');
    const [bySize] = expiredSessions([session('a', 'exited', 1, 900), session('b', 'exited', 0, 200)], { maxAgeMs: 0, maxTotalBytes: 1000 }, NOW);
    expect(bySize!.reason).toBe('ended sessions hold 1100 bytes of output, over the 1000 kept; this one ended first');
  });
});
