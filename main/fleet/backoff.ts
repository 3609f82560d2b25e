export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/**
 * Exponential backoff with full jitter: attempt n (1-based) waits uniformly in [0, min(cap, base * 2^(n-1))],
 * never less than a floor of base/2 so a dead host is never hammered in a tight loop.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const floor = options.baseMs / 2;
  return Math.round(floor + random() * Math.max(0, ceiling - floor));
}
