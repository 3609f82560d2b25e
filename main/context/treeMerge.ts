import { canonicalJson, type ChainRecord } from '../../common/audit/chain';
import { DECISIONS_DOC, type EntriesDoc, LEARNINGS_DOC, parseEntries, renderEntries, unionEntries } from '../../common/context/entries';
import { AUDIT_DIR, RUNS_DIR } from '../../common/context/layout';
import { auditFiles, DAY_FILE, HEADS_FILE, parseAuditLine } from './contextTree';

/**
 * Merges the trees that meet in a sync (the remote's branch head, the local one, the files the app wants) without
 * losing anything: audit records by seq, a run directory by its newest snapshot with its checkpoints by id, the
 * entries files by id, and any other file as it is. A unit (a host's audit, a run directory, a file) that is the same
 * on every side that has it is taken as it is, unread.
 */

export interface Blob {
  mode: string;
  oid: string;
}

/** A tree as git holds it: path → blob. */
export type Side = ReadonlyMap<string, Blob>;

/** Kept as a blob that exists, or new text to write. */
export type MergedFile = Blob | { text: string };

export type ReadBlob = (oid: string) => Promise<string>;

/** Two sides disagree on history (or a file on the branch is damaged): a person must look, nothing is written. */
export class ContextSyncConflict extends Error {
  override readonly name = 'ContextSyncConflict';
  constructor(
    message: string,
    readonly file: string,
    readonly host?: string,
    readonly seq?: number,
  ) {
    super(message);
  }
}

const ENTRIES_DOCS = new Map<string, EntriesDoc>([DECISIONS_DOC, LEARNINGS_DOC].map((doc) => [doc.file, doc]));

type Unit = { kind: 'audit'; dir: string } | { kind: 'run'; dir: string } | { kind: 'entries'; doc: EntriesDoc } | { kind: 'other' };

const HOST_DIR_NAME = /^[A-Za-z0-9._-]+$/;

function unitOf(path: string): { key: string; unit: Unit } {
  const doc = ENTRIES_DOCS.get(path);
  if (doc) return { key: `entries:${path}`, unit: { kind: 'entries', doc } };
  const [root, name, file, ...deeper] = path.split('/');
  const within = `${root}/${name}`;
  // Only directories named as the app names them, and only its files there: anything else is someone's, kept as it is.
  if (within === AUDIT_DIR && HOST_DIR_NAME.test(file ?? '') && deeper.length === 1 && (DAY_FILE.test(deeper[0]!) || deeper[0] === HEADS_FILE)) {
    const dir = `${AUDIT_DIR}/${file}`;
    return { key: `audit:${dir}`, unit: { kind: 'audit', dir } };
  }
  if (within === RUNS_DIR && file && deeper.length > 0) {
    const dir = `${RUNS_DIR}/${file}`;
    return { key: `run:${dir}`, unit: { kind: 'run', dir } };
  }
  return { key: `other:${path}`, unit: { kind: 'other' } };
}

function sameFiles(a: Side, b: Side): boolean {
  if (a.size !== b.size) return false;
  for (const [path, blob] of a) {
    const other = b.get(path);
    if (!other || other.oid !== blob.oid || other.mode !== blob.mode) return false;
  }
  return true;
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

interface Placed {
  record: ChainRecord;
  line: string;
  file: string;
}

async function mergeAudit(dir: string, parts: Side[], read: ReadBlob): Promise<Map<string, MergedFile>> {
  const host = dir.slice(AUDIT_DIR.length + 1);
  const bySeq = new Map<number, Placed>();
  let hostId: string | undefined;
  for (const part of parts) {
    for (const [file, blob] of part) {
      const text = await read(blob.oid);
      if (file.endsWith(`/${HEADS_FILE}`)) {
        const id = headsHostId(text);
        if (id !== undefined && hostId !== undefined && id !== hostId) {
          throw new ContextSyncConflict(`the audit directory ${dir} holds host id ${hostId} on one side and ${id} on the other: two hosts share a name; a person must look`, file, host);
        }
        hostId ??= id;
        continue;
      }
      for (const [index, line] of text.split('\n').entries()) {
        if (line === '') continue;
        const record = parseAuditLine(line);
        if (typeof record === 'string') throw new ContextSyncConflict(`${file}:${index + 1} on the branch is ${record}; a person must look`, file, host);
        const known = bySeq.get(record.seq);
        if (known && known.line !== line) {
          throw new ContextSyncConflict(
            `audit history of host ${host} differs: record ${record.seq} in ${file} is not the one in ${known.file}; nothing was written, a person must look`,
            file,
            host,
            record.seq,
          );
        }
        if (!known) bySeq.set(record.seq, { record, line, file });
      }
    }
  }
  if (hostId === undefined) throw new ContextSyncConflict(`${dir}/${HEADS_FILE} is missing or unreadable on every side; a person must look`, `${dir}/${HEADS_FILE}`, host);
  // Records are placed by their own time again, and heads.json follows the merged files.
  const merged = auditFiles(host, hostId, [...bySeq.values()].map((placed) => placed.record));
  return new Map([...merged].map(([path, text]) => [path, { text }]));
}

function headsHostId(text: string): string | undefined {
  try {
    const heads = JSON.parse(text) as { hostId?: unknown };
    return typeof heads.hostId === 'string' ? heads.hostId : undefined;
  } catch {
    return undefined;
  }
}

async function updatedAt(part: Side, dir: string, read: ReadBlob): Promise<number> {
  const blob = part.get(`${dir}/plan.json`);
  if (!blob) return -Infinity;
  try {
    const plan = JSON.parse(await read(blob.oid)) as { updatedAt?: unknown };
    return typeof plan.updatedAt === 'number' ? plan.updatedAt : -Infinity;
  } catch {
    return -Infinity;
  }
}

interface Checkpoint {
  id: string;
  status?: unknown;
  decidedAt?: unknown;
  createdAt?: unknown;
}

/** Decided beats open, a later decision beats an earlier one; on a tie the side read first keeps it. */
function rank(item: Checkpoint): [number, number] {
  return [item.status !== 'open' ? 1 : 0, typeof item.decidedAt === 'number' ? item.decidedAt : -Infinity];
}

function parseCheckpoint(line: string): Checkpoint | null {
  try {
    const value = JSON.parse(line) as Checkpoint | null;
    return value !== null && typeof value === 'object' && typeof value.id === 'string' ? value : null;
  } catch {
    return null;
  }
}

function mergeCheckpoints(texts: string[]): string {
  const byId = new Map<string, Checkpoint>();
  // A line someone wrote that is not a checkpoint is kept as it is, after the checkpoints.
  const foreign = new Set<string>();
  for (const line of texts.flatMap(lines)) {
    const item = parseCheckpoint(line);
    if (!item) {
      foreign.add(line);
      continue;
    }
    const known = byId.get(item.id);
    const [status, decided] = rank(item);
    const [knownStatus, knownDecided] = known ? rank(known) : [-1, -Infinity];
    if (status > knownStatus || (status === knownStatus && decided > knownDecided)) byId.set(item.id, item);
  }
  const created = (item: Checkpoint) => (typeof item.createdAt === 'number' ? item.createdAt : 0);
  const items = [...byId.values()].sort((a, b) => created(a) - created(b) || (a.id < b.id ? -1 : 1));
  return [...items.map((item) => canonicalJson(item)), ...foreign].map((line) => `${line}\n`).join('');
}

async function mergeRun(dir: string, parts: Side[], read: ReadBlob): Promise<Map<string, MergedFile>> {
  let winner = parts[0]!;
  let newest = await updatedAt(winner, dir, read);
  for (const part of parts.slice(1)) {
    const time = await updatedAt(part, dir, read);
    // A tie goes to the later side, the fresher view: a run's cost, prompts and steps change without its updatedAt.
    if (time >= newest) [winner, newest] = [part, time];
  }
  const result = new Map<string, MergedFile>();
  // The newest snapshot's files; a file only an older side has (someone added it) is kept.
  for (const part of [winner, ...parts]) for (const [path, blob] of part) if (!result.has(path)) result.set(path, blob);
  const checkpoints = `${dir}/checkpoints.jsonl`;
  const versions = new Set(parts.flatMap((part) => part.get(checkpoints)?.oid ?? []));
  if (versions.size > 1) result.set(checkpoints, { text: mergeCheckpoints(await Promise.all([...versions].map(read))) });
  return result;
}

async function mergeEntries(doc: EntriesDoc, parts: Side[], read: ReadBlob): Promise<Map<string, MergedFile>> {
  let entries: ReturnType<typeof parseEntries>['entries'] = [];
  for (const part of parts) entries = unionEntries(entries, parseEntries(await read(part.get(doc.file)!.oid)).entries);
  return new Map([[doc.file, { text: renderEntries(doc, entries) }]]);
}

/**
 * The union of `sides`, ordered the team's remote first, then the local branch, then the app's files. Where an entry
 * or a file other than a run's is on several sides, the earlier one is kept, so a person's edit on the branch is never
 * replaced by a fresh rendering; run directories go by their plan.json's updatedAt.
 */
export async function mergeTrees(sides: readonly Side[], read: ReadBlob): Promise<Map<string, MergedFile>> {
  const units = new Map<string, { unit: Unit; parts: Map<string, Blob>[] }>();
  sides.forEach((side, index) => {
    for (const [path, blob] of side) {
      const { key, unit } = unitOf(path);
      const entry = units.get(key) ?? { unit, parts: sides.map(() => new Map<string, Blob>()) };
      entry.parts[index]!.set(path, blob);
      units.set(key, entry);
    }
  });
  const merged = new Map<string, MergedFile>();
  for (const { unit, parts } of units.values()) {
    const present = parts.filter((part) => part.size > 0);
    let files: Map<string, MergedFile>;
    if (present.every((part) => sameFiles(part, present[0]!))) files = present[0]!;
    else if (unit.kind === 'audit') files = await mergeAudit(unit.dir, present, read);
    else if (unit.kind === 'run') files = await mergeRun(unit.dir, present, read);
    else if (unit.kind === 'entries') files = await mergeEntries(unit.doc, present, read);
    else files = present[0]!;
    for (const [path, file] of files) merged.set(path, file);
  }
  return merged;
}
