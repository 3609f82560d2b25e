import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const options = { baseMs: 500, capMs: 30_000 };

  it('grows exponentially at the top of the jitter range and stops at the cap', () => {
    const top = (attempt: number) => backoffDelay(attempt, options, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(top(1000)).toBe(30000);
  });

  it('never goes below the floor, so a dead host is not hammered', () => {
    for (let attempt = 1; attempt < 20; attempt++) expect(backoffDelay(attempt, options, () => 0)).toBe(250);
  });

  it('spreads retries across the whole window (full jitter)', () => {
    const samples = Array.from({ length: 200 }, () => backoffDelay(6, options));
    expect(Math.min(...samples)).toBeLessThan(4000);
    expect(Math.max(...samples)).toBeGreaterThan(12000);
    for (const sample of samples) expect(sample).toBeGreaterThanOrEqual(250);
  });
});
