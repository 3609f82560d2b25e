import { canonicalJson, type ChainRecord } from '../../common/audit/chain';
import { DECISIONS_DOC, decisionEntries, LEARNINGS_DOC, renderEntries } from '../../common/context/entries';
import { auditDayFile, auditHeadsFile, auditHostDir } from '../../common/context/layout';
import { learningEntries } from '../../common/context/learningEntries';
import { runFiles, stableJson } from '../../common/context/runFiles';
import type { RunRecord } from '../../common/protocol/runRecord';
import type { ContextSource } from './contextSource';

/**
 * The files a context sync wants on the branch, and the synced audit's format (day files of canonical JSON lines plus
 * heads.json), which the merge and `audit verify --repo` read back.
 */

export const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
export const HEADS_FILE = 'heads.json';

export interface DayHead {
  first: number;
  last: number;
  /** The hash of the file's last record. */
  head: string;
}

export interface HeadsJson {
  hostId: string;
  files: Record<string, DayHead>;
}

const HASH = /^[0-9a-f]{64}$/;
const RECORD_KEYS = ['action', 'actor', 'data', 'hash', 'outcome', 'prevHash', 'reason', 'seq', 'target', 'time'];

/** Exactly the fields the hash covers plus the hash, so a line is the record and nothing else. */
export function auditLine(record: ChainRecord): string {
  const { seq, time, actor, action, target, reason, outcome, data, prevHash, hash } = record;
  return canonicalJson({ seq, time, actor, action, target, reason, outcome, data, prevHash, hash });
}

/** A line of a day file as a record, or why it is not one (a line that is not byte-for-byte canonical is an edit too). */
export function parseAuditLine(line: string): ChainRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a record';
  const record = value as Record<string, unknown>;
  if (canonicalJson(Object.keys(record).sort()) !== canonicalJson(RECORD_KEYS)) return 'not a record (fields differ)';
  const { seq, time, actor, action, target, reason, outcome, data, prevHash, hash } = record;
  const valid =
    Number.isSafeInteger(seq) &&
    (seq as number) > 0 &&
    Number.isFinite(time) &&
    [actor, action, target, outcome].every((field) => typeof field === 'string') &&
    (reason === null || typeof reason === 'string') &&
    data !== null &&
    typeof data === 'object' &&
    !Array.isArray(data) &&
    typeof prevHash === 'string' &&
    HASH.test(prevHash) &&
    typeof hash === 'string' &&
    HASH.test(hash);
  if (!valid) return 'not a record (a field has the wrong type)';
  if (canonicalJson(record) !== line) return 'not in canonical form (edited)';
  return record as unknown as ChainRecord;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A host's day files and heads.json from its records (any order; one per seq). */
export function auditFiles(host: string, hostId: string, records: Iterable<ChainRecord>): Map<string, string> {
  const sorted = [...records].sort((a, b) => a.seq - b.seq);
  const days = new Map<string, ChainRecord[]>();
  for (const record of sorted) {
    const path = auditDayFile(host, record.time);
    days.set(path, [...(days.get(path) ?? []), record]);
  }
  const files = new Map<string, string>();
  const heads: HeadsJson = { hostId, files: {} };
  for (const [path, dayRecords] of days) {
    files.set(path, dayRecords.map((record) => `${auditLine(record)}\n`).join(''));
    heads.files[fileName(path)] = { first: dayRecords[0]!.seq, last: dayRecords.at(-1)!.seq, head: dayRecords.at(-1)!.hash };
  }
  if (days.size > 0) files.set(auditHeadsFile(host), stableJson(heads));
  return files;
}

export interface ContextTree {
  /** Path in the repository → content. */
  files: Map<string, string>;
  /** Records per host name. */
  auditRecords: Record<string, number>;
  runs: number;
}

/** The same run mirrored twice (two hosts' views, a stale cache row): the newer snapshot. */
function newestRuns(records: readonly RunRecord[]): RunRecord[] {
  const byId = new Map<string, RunRecord>();
  for (const record of records) {
    const known = byId.get(record.run.id);
    if (!known || record.run.updatedAt > known.run.updatedAt) byId.set(record.run.id, record);
  }
  return [...byId.values()];
}

/** Everything the source says, as files: each host's audit, each run's directory, decisions.md and learnings.md. */
export function contextTree(source: ContextSource): ContextTree {
  const files = new Map<string, string>();
  const auditRecords: Record<string, number> = {};
  const hostIds = new Map<string, string>();
  for (const host of source.hosts()) {
    const dir = auditHostDir(host.name);
    const other = hostIds.get(dir);
    if (other !== undefined && other !== host.hostId) throw new Error(`two hosts (${other} and ${host.hostId}) would share the audit directory ${dir}; rename one`);
    hostIds.set(dir, host.hostId);
    const records = [...host.records()];
    auditRecords[host.name] = records.length;
    for (const [path, text] of auditFiles(host.name, host.hostId, records)) files.set(path, text);
  }
  const runs = newestRuns(source.runs());
  for (const record of runs) for (const [path, text] of runFiles(record)) files.set(path, text);
  files.set(DECISIONS_DOC.file, renderEntries(DECISIONS_DOC, decisionEntries(runs)));
  files.set(LEARNINGS_DOC.file, renderEntries(LEARNINGS_DOC, learningEntries(runs, 'all')));
  return { files, auditRecords, runs: runs.length };
}
