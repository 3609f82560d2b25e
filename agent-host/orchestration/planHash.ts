import { createHash } from 'node:crypto';
import type { Plan } from '../../common/protocol/plan';

/** JSON with object keys sorted at every level: the same plan hashes the same whatever order its fields came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of the plan's canonical JSON: what an approval is recorded against. */
export function planHash(plan: Plan): string {
  return createHash('sha256').update(canonical(plan)).digest('hex');
}
