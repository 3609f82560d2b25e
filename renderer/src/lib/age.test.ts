import { describe, expect, it } from 'vitest';
import { formatAge, formatAgo } from './age';

describe('formatAge', () => {
  it('reads at a glance, from seconds to days', () => {
    expect([0, 4_999, 42_000, 7 * 60_000, 3 * 3600_000, (3 * 60 + 5) * 60_000, 50 * 3600_000].map(formatAge)).toEqual([
      'now',
      'now',
      '42s',
      '7m',
      '3h',
      '3h 5m',
      '2d 2h',
    ]);
  });
  it('says when as a phrase', () => {
    expect([1000, 7 * 60_000].map(formatAgo)).toEqual(['just now', '7m ago']);
  });
  it('never shows a negative age (clocks of two machines)', () => {
    expect(formatAge(-5000)).toBe('now');
  });
});
