import { createHash } from 'node:crypto';
import type { SimpleGit } from 'simple-git';
import { type ChainRecord, type ChainTip, walkChain } from '../../common/audit/chain';
import { AUDIT_DIR, DEFAULT_CONTEXT_BRANCH } from '../../common/context/layout';
import { gitAt, gitDirOf, readBlob, readTree, resolveCommit } from './contextGit';
import { DAY_FILE, type DayHead, HEADS_FILE, parseAuditLine } from './contextTree';
import type { Blob } from './treeMerge';

/**
 * `flightdeck audit verify --repo`: checks the audit synced onto the context branch with no host at hand. Each host's
 * day files are walked as one chain from genesis, every record must sit in the file of its own UTC day, and
 * heads.json must name every file with its first, last and head record, so a cut end or a deleted file shows too.
 */

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface HostAuditCheck {
  /** The host's directory name under .flightdeck/audit/. */
  host: string;
  hostId: string | null;
  /** Records that verified, and the last of them. */
  records: number;
  head: ChainTip | null;
  ok: boolean;
  /** Where the first problem is: a repository path and, for a line's problem, its 1-based line. */
  file?: string;
  line?: number;
  firstBadSeq?: number;
  problem?: string;
}

export interface RepoAuditCheck {
  /** The ref that was read, and its commit. */
  ref: string;
  commit: string | null;
  hosts: HostAuditCheck[];
  ok: boolean;
  problem?: string;
}

interface Located {
  record: ChainRecord;
  file: string;
  line: number;
}

type Problem = Omit<HostAuditCheck, 'host' | 'hostId' | 'records' | 'head' | 'ok'> & { problem: string };

function parseHeads(text: string): { hostId: string; files: Record<string, DayHead> } | null {
  try {
    const heads = JSON.parse(text) as { hostId?: unknown; files?: unknown };
    if (typeof heads.hostId !== 'string' || heads.files === null || typeof heads.files !== 'object' || Array.isArray(heads.files)) return null;
    const files = heads.files as Record<string, Partial<DayHead> | null>;
    const valid = Object.values(files).every((day) => day !== null && Number.isSafeInteger(day.first) && Number.isSafeInteger(day.last) && typeof day.head === 'string');
    return valid ? { hostId: heads.hostId, files: files as Record<string, DayHead> } : null;
  } catch {
    return null;
  }
}

/** Every record of the host's day files in date order, or the first line that is not a record of its file's day. */
async function readDays(git: SimpleGit, dir: string, days: [string, Blob][]): Promise<Located[] | Problem> {
  const located: Located[] = [];
  for (const [name, blob] of days) {
    const file = `${dir}/${name}`;
    const day = DAY_FILE.exec(name)![1]!;
    const text = await readBlob(git, blob.oid);
    const lines = text.split('\n');
    // A file that does not end with a newline was cut inside its last line.
    if (lines.pop() !== '') return { file, line: lines.length + 1, problem: `${file} ends inside a line (truncated)` };
    if (lines.length === 0) return { file, problem: `${file} holds no records` };
    for (const [index, text] of lines.entries()) {
      const record = parseAuditLine(text);
      if (typeof record === 'string') return { file, line: index + 1, problem: `${file}:${index + 1} is ${record}` };
      if (new Date(record.time).toISOString().slice(0, 10) !== day) {
        return { file, line: index + 1, firstBadSeq: record.seq, problem: `record ${record.seq} is dated ${new Date(record.time).toISOString()}, not ${day}: moved between files` };
      }
      located.push({ record, file, line: index + 1 });
    }
  }
  return located;
}

/** heads.json against the files: each file named with its first, last and head record, and no file it names missing. */
function headsProblem(dir: string, heads: Record<string, DayHead>, located: Located[]): Problem | null {
  const actual = new Map<string, DayHead>();
  for (const { record, file } of located) {
    const name = file.slice(dir.length + 1);
    const known = actual.get(name);
    actual.set(name, { first: known?.first ?? record.seq, last: record.seq, head: record.hash });
  }
  const headsFile = `${dir}/${HEADS_FILE}`;
  for (const [name, day] of actual) {
    const said = heads[name];
    const file = `${dir}/${name}`;
    if (!said) return { file, firstBadSeq: day.first, problem: `${file} is not in ${HEADS_FILE}` };
    if (said.first !== day.first) return { file, line: 1, firstBadSeq: Math.min(said.first, day.first), problem: `${file} starts at record ${day.first}, ${HEADS_FILE} says ${said.first}` };
    if (said.last !== day.last) {
      return { file, firstBadSeq: Math.min(said.last, day.last) + 1, problem: `${file} ends at record ${day.last}, ${HEADS_FILE} says ${said.last} (cut or extended)` };
    }
    if (said.head !== day.head) return { file, firstBadSeq: day.last, problem: `the last record of ${file} is not the one ${HEADS_FILE} names (hash differs)` };
  }
  for (const [name, said] of Object.entries(heads)) {
    if (!actual.has(name)) return { file: headsFile, firstBadSeq: said.first, problem: `${HEADS_FILE} names ${dir}/${name}, which is missing` };
  }
  return null;
}

async function verifyHost(git: SimpleGit, dir: string, files: Map<string, Blob>): Promise<HostAuditCheck> {
  const host = dir.slice(AUDIT_DIR.length + 1);
  const base = { host, hostId: null as string | null, records: 0, head: null as ChainTip | null };
  const fail = (problem: Problem, partial: Partial<HostAuditCheck> = {}): HostAuditCheck => ({ ...base, ...partial, ok: false, ...problem });
  const strays = [...files.keys()].filter((name) => name.endsWith('.jsonl') && !DAY_FILE.test(name));
  if (strays.length > 0) return fail({ file: `${dir}/${strays[0]}`, problem: `${dir}/${strays[0]} is not a day file (YYYY-MM-DD.jsonl)` });
  const headsBlob = files.get(HEADS_FILE);
  if (!headsBlob) return fail({ file: `${dir}/${HEADS_FILE}`, problem: `${dir}/${HEADS_FILE} is missing` });
  const heads = parseHeads(await readBlob(git, headsBlob.oid));
  if (!heads) return fail({ file: `${dir}/${HEADS_FILE}`, problem: `${dir}/${HEADS_FILE} is not a heads file` });
  base.hostId = heads.hostId;
  // ISO dates sort as text.
  const days = [...files].filter(([name]) => DAY_FILE.test(name)).sort(([a], [b]) => (a < b ? -1 : 1));
  const located = await readDays(git, dir, days);
  if (!Array.isArray(located)) return fail(located);
  const walk = walkChain(
    located.map((at) => at.record),
    sha256Hex,
  );
  if (!walk.ok) {
    const at = located[walk.records - 1]!;
    return fail({ file: at.file, line: at.line, firstBadSeq: walk.firstBadSeq, problem: walk.problem }, { records: walk.records - 1, head: walk.tip.seq > 0 ? walk.tip : null });
  }
  const verified = { records: walk.records, head: walk.records > 0 ? walk.tip : null };
  const problem = headsProblem(dir, heads.files, located);
  return problem ? fail(problem, verified) : { ...base, ...verified, ok: true };
}

export async function verifyRepoAudit(options: { repoPath: string; ref?: string }): Promise<RepoAuditCheck> {
  const git = gitAt(await gitDirOf(options.repoPath));
  const asked = options.ref ?? DEFAULT_CONTEXT_BRANCH;
  // A teammate who never synced has the branch only as the remote's.
  let ref = asked;
  let commit = await resolveCommit(git, ref);
  if (!commit) {
    ref = `origin/${asked}`;
    commit = await resolveCommit(git, ref);
  }
  if (!commit) return { ref: asked, commit: null, hosts: [], ok: false, problem: `no ${asked} in ${options.repoPath}: nothing was synced there` };
  const byHost = new Map<string, Map<string, Blob>>();
  for (const [path, blob] of await readTree(git, commit, AUDIT_DIR)) {
    const [host, name, ...deeper] = path.slice(AUDIT_DIR.length + 1).split('/');
    if (!name || deeper.length > 0) continue;
    const dir = `${AUDIT_DIR}/${host}`;
    byHost.set(dir, (byHost.get(dir) ?? new Map<string, Blob>()).set(name, blob));
  }
  if (byHost.size === 0) return { ref, commit, hosts: [], ok: false, problem: `${ref} holds no audit (${AUDIT_DIR}/ is missing or empty)` };
  const hosts = await Promise.all([...byHost].sort(([a], [b]) => (a < b ? -1 : 1)).map(([dir, files]) => verifyHost(git, dir, files)));
  return { ref, commit, hosts, ok: hosts.every((host) => host.ok) };
}
