/**
 * Where Flightdeck's context lives in a repository (docs/context.md): paths other tools are written against, so
 * they are a contract. Everything sits under `.flightdeck/`; the context branch holds the team-wide files, a run's
 * integration branch carries its own run directory.
 */

export const CONTEXT_ROOT = '.flightdeck';
export const DEFAULT_CONTEXT_BRANCH = 'flightdeck/context';

export const LEARNINGS_FILE = `${CONTEXT_ROOT}/context/learnings.md`;
export const DECISIONS_FILE = `${CONTEXT_ROOT}/context/decisions.md`;
export const RUNBOOKS_DIR = `${CONTEXT_ROOT}/runbooks`;
export const RUNS_DIR = `${CONTEXT_ROOT}/runs`;
export const AUDIT_DIR = `${CONTEXT_ROOT}/audit`;

export function runDir(run: string): string {
  return `${RUNS_DIR}/${run}`;
}

/** Host names become directory names: anything but [A-Za-z0-9._-] is replaced, and dot-only names are refused. */
export function auditHostDir(host: string): string {
  const safe = host.replace(/[^A-Za-z0-9._-]/g, '_');
  if (/^\.*$/.test(safe)) throw new Error(`host name "${host}" cannot name a directory`);
  return `${AUDIT_DIR}/${safe}`;
}

/** One file per UTC day of record time keeps files small and appends to the newest only. */
export function auditDayFile(host: string, time: number): string {
  return `${auditHostDir(host)}/${new Date(time).toISOString().slice(0, 10)}.jsonl`;
}

/** Per host: which host id the chain is from, and each day file's first and last record with the last one's hash. */
export function auditHeadsFile(host: string): string {
  return `${auditHostDir(host)}/heads.json`;
}
