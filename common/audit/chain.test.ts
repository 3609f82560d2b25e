import { describe, expect, it } from 'vitest';
import { canonicalJson, recordHashInput } from './chain';

/** canonicalJson as records were first hashed with: what it writes must never change. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const values: unknown[] = [
  null,
  undefined,
  0,
  -0,
  1e21,
  Number.NaN,
  'a "quoted"\n\u2028 line \ud800 and ✓',
  { b: 1, a: { d: [1, { y: 2, x: 1 }], c: null }, u: undefined },
  { Z: 1, a: 2, _: 3, 'é': 4, '10': 5, '9': 6, '': 7 },
  [undefined, () => 1, Symbol('s'), [], {}],
  // eslint-disable-next-line no-sparse-arrays
  [1, , 3],
  new Uint8Array([3, 1, 2]),
  new Date(0),
];

describe('canonicalJson', () => {
  it.each(values.map((value) => [value]))('writes %o as it always did', (value) => {
    expect(canonicalJson(value)).toBe(reference(value));
  });
});

describe('recordHashInput', () => {
  it.each([
    [{ seq: 1, time: 1764640000000, actor: 'user:a', action: 'x.y', target: 't "q"', reason: null, outcome: 'ok', data: '{"a":1}', prevHash: '0'.repeat(64) }],
    [{ seq: 2, time: 0.5, actor: '\ud800✓', action: '', target: '', reason: 'why', outcome: 'denied', data: '{}', prevHash: 'f'.repeat(64) }],
    // A tampered row read back: a blob where a text was.
    [{ seq: 3, time: 1, actor: Buffer.from('a'), action: 'a', target: 't', reason: null, outcome: 'ok', data: '{}', prevHash: '' }],
  ])('is the canonical JSON of the fields in order', (record) => {
    const fields = [record.seq, record.time, record.actor, record.action, record.target, record.reason, record.outcome, record.data, record.prevHash];
    expect(recordHashInput(record as Parameters<typeof recordHashInput>[0])).toBe(reference(fields));
  });
});
