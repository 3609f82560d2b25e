// A run's integration branch, kept in the host's bare clone with plumbing only: no worktree, index or checkout, so
// merging never touches an agent's files and needs no lock beyond git's own on the ref.
import { spawn } from 'node:child_process';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { git, gitEnvironment, resolveCommit } from './git';
import { gitFailed } from './gitErrors';

const MAX_MERGE_DETAILS_BYTES = 16 * 1024;
const DEFAULT_MAX_PATCH_BYTES = 2 * 1024 * 1024;
// `merge-tree --write-tree` merges without a worktree from this version on.
const MERGE_TREE_MIN_VERSION = { major: 2, minor: 38 };
// The diff of what a step did, without anyone's configured external tools or filters. --find-renames also overrides
// a diff.renames=copies config: there are no copy (C) entries to parse.
const DIFF_OPTIONS = ['--find-renames', '--no-ext-diff', '--no-textconv', '--no-color'];

export interface MergeAuthor {
  name: string;
  email: string;
}

export interface MergeOptions {
  target: string;
  /** A branch of the clone, or any commit. */
  source: string;
  message: string;
  author: MergeAuthor;
  /** The head the caller decided on (say, tested): the merge is refused if the target is no longer there. */
  expectedHead?: string;
}

export type MergeResult =
  | { merged: true; commit: string; alreadyMerged: boolean }
  | { merged: false; conflicts: string[]; details: string };

export type DiffStatus = 'added' | 'modified' | 'deleted' | 'renamed';

export interface DiffFile {
  path: string;
  status: DiffStatus;
  additions: number;
  deletions: number;
  oldPath?: string;
}

export interface Diff {
  files: DiffFile[];
  patch: string;
  truncated: boolean;
}

/** The commit refs/heads/<branch> points at, or null: the exact branch, never a revision expression like `main~1`. */
export async function branchHead(bareDir: string, branch: string): Promise<string | null> {
  const ref = `refs/heads/${branch}`;
  let output: string;
  try {
    output = await git(bareDir).raw(['for-each-ref', '--format=%(objectname) %(refname)', ref]);
  } catch (error) {
    throw gitFailed(`could not look up ${ref} in ${bareDir}`, error, { dir: bareDir, ref });
  }
  // for-each-ref also lists the refs below a prefix and glob matches: only the exact name counts.
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1) === ref) return line.slice(0, space);
  }
  return null;
}

/**
 * Creates the branch at commit; done already if it is there, refused if it points elsewhere. The create is atomic
 * (update-ref with an empty old value), so two callers cannot both think they made it at different commits.
 */
export async function createBranch(bareDir: string, branch: string, commit: string): Promise<string> {
  const resolved = await resolveRevision(bareDir, commit);
  try {
    await git(bareDir).raw(['update-ref', `refs/heads/${branch}`, resolved, '']);
    return resolved;
  } catch (error) {
    const existing = await branchHead(bareDir, branch);
    if (existing === resolved) return resolved;
    if (existing !== null) {
      throw new WireError(WireErrorCode.InvalidRequest, `branch ${branch} already exists in ${bareDir} at ${existing}, not at ${resolved}`, {
        dir: bareDir,
        branch,
        existing,
        commit: resolved,
      });
    }
    throw gitFailed(`could not create the branch ${branch} in ${bareDir}`, error, { dir: bareDir, branch, commit: resolved });
  }
}

/** The best common ancestor of two commits, or null when their histories are unrelated. */
export async function mergeBase(bareDir: string, a: string, b: string): Promise<string | null> {
  const first = await resolveRevision(bareDir, a);
  const second = await resolveRevision(bareDir, b);
  try {
    // Unrelated histories: exit 1 with no output, which simple-git hands back as ''.
    const base = (await git(bareDir).raw(['merge-base', first, second])).trim();
    return base === '' ? null : base;
  } catch (error) {
    throw gitFailed(`could not find the merge base of ${a} and ${b} in ${bareDir}`, error, { dir: bareDir, a, b });
  }
}

/**
 * Merges source into the target branch with a merge commit, even where a fast-forward would do, so the branch's
 * history shows one merge per step. A conflict leaves the target as it was and reports the files. The target is
 * moved compare-and-swap: if anything else moved it meanwhile, this fails rather than losing that move.
 */
export async function mergeIntoBranch(bareDir: string, options: MergeOptions): Promise<MergeResult> {
  const { target, source, message, author } = options;
  await checkMergeTreeSupported(bareDir);
  const head = options.expectedHead === undefined ? await branchHead(bareDir, target) : await resolveRevision(bareDir, options.expectedHead);
  if (head === null) throw new WireError(WireErrorCode.RefNotFound, `${bareDir} has no branch ${target}`, { dir: bareDir, ref: target });
  const sourceCommit = await resolveRevision(bareDir, source);
  if ((await mergeBase(bareDir, head, sourceCommit)) === sourceCommit) {
    const current = await branchHead(bareDir, target);
    if (current !== head) throw targetMoved(bareDir, target, head, current);
    return { merged: true, commit: head, alreadyMerged: true };
  }
  const outcome = await mergeTree(bareDir, head, sourceCommit);
  if ('conflicts' in outcome) return { merged: false, ...outcome };
  const env = {
    ...gitEnvironment(),
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
  // The message on stdin; --no-gpg-sign: a host user's commit.gpgSign must not make the daemon wait on a key.
  const args = ['commit-tree', '--no-gpg-sign', outcome.tree, '-p', head, '-p', sourceCommit];
  const committed = await runGit(bareDir, args, { input: message, env });
  if (committed.code !== 0) {
    const doing = `could not commit the merge of ${source} into ${target} in ${bareDir}`;
    throw gitFailed(doing, new Error(committed.stderr), { dir: bareDir, target, source });
  }
  const commit = committed.stdout.trim();
  try {
    await git(bareDir).raw(['update-ref', `refs/heads/${target}`, commit, head]);
  } catch (error) {
    const current = await branchHead(bareDir, target);
    if (current !== head) throw targetMoved(bareDir, target, head, current);
    throw gitFailed(`could not move ${target} to the merge of ${source} in ${bareDir}`, error, { dir: bareDir, target, source, commit });
  }
  return { merged: true, commit, alreadyMerged: false };
}

/**
 * What changed from base to head: every file with its line counts (binary files 0/0, and in the patch only as
 * "Binary files … differ"), and the patch, cut to maxBytes at the last whole file that fits (or mid-file when not
 * even the first one does).
 */
export async function diffBetween(bareDir: string, base: string, head: string, options: { maxBytes?: number } = {}): Promise<Diff> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PATCH_BYTES;
  const from = await resolveRevision(bareDir, base);
  const to = await resolveRevision(bareDir, head);
  const repo = git(bareDir);
  let statuses: string, counts: string, patch: string;
  try {
    [statuses, counts, patch] = await Promise.all([
      repo.raw(['diff', ...DIFF_OPTIONS, '--name-status', '-z', from, to]),
      repo.raw(['diff', ...DIFF_OPTIONS, '--numstat', '-z', from, to]),
      repo.raw(['diff', ...DIFF_OPTIONS, from, to]),
    ]);
  } catch (error) {
    throw gitFailed(`could not diff ${base} and ${head} in ${bareDir}`, error, { dir: bareDir, base, head });
  }
  const lineCounts = parseNumstat(counts);
  const files = parseNameStatus(statuses).map((file) => ({ ...file, ...(lineCounts.get(file.path) ?? { additions: 0, deletions: 0 }) }));
  const cut = cutPatch(patch, maxBytes);
  return { files, patch: cut, truncated: cut.length !== patch.length };
}

type MergeTreeOutcome = { tree: string } | { conflicts: string[]; details: string };

/** `merge-tree --write-tree`: exit 0 is a clean merge, 1 a conflicted one, anything else a failure. */
async function mergeTree(bareDir: string, ours: string, theirs: string): Promise<MergeTreeOutcome> {
  // -z: file names as they are (not C-quoted), and the messages as (paths, type, text) records.
  const { code, stdout, stderr } = await runGit(bareDir, ['merge-tree', '--write-tree', '--name-only', '--messages', '-z', ours, theirs]);
  if (code === 0) return { tree: stdout.slice(0, stdout.indexOf('\0')) };
  // Exit 1 is also how merge-tree refuses bad arguments: a conflict is the one that still wrote a tree.
  if (code !== 1 || !/^[0-9a-f]{40,64}\0/.test(stdout)) {
    throw gitFailed(`could not merge ${theirs} into ${ours} in ${bareDir}`, new Error(stderr), { dir: bareDir, ours, theirs });
  }
  // <tree>\0, then each conflicted file name and \0, then \0, then the messages.
  const namesEnd = stdout.indexOf('\0\0');
  const conflicts = stdout.slice(0, namesEnd).split('\0').slice(1);
  return { conflicts, details: cutUtf8(parseMergeMessages(stdout.slice(namesEnd + 2)), MAX_MERGE_DETAILS_BYTES) };
}

/**
 * git for what simple-git cannot do: tell the exit code (it reports an exit 1 with nothing on stderr as success), and
 * take text on stdin (it refuses any argument that merely mentions --upload-pack, commit messages included).
 */
function runGit(
  bareDir: string,
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: bareDir, env: options.env ?? gitEnvironment() });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    // A git that exits before reading stdin (EPIPE) says why through its exit code and stderr.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** The text of merge-tree's -z messages: records of a path count, the paths, a type, then the message itself. */
function parseMergeMessages(output: string): string {
  const fields = output.split('\0');
  const messages: string[] = [];
  let i = 0;
  while (i < fields.length - 1) {
    const pathCount = Number(fields[i]);
    messages.push(fields[i + pathCount + 2] ?? '');
    i += pathCount + 3;
  }
  return messages.join('');
}

// Only for merge-tree --write-tree: checked on each merge until it passes once, so upgrading git needs no restart.
let mergeTreeSupported = false;

async function checkMergeTreeSupported(bareDir: string): Promise<void> {
  if (mergeTreeSupported) return;
  const { major, minor, patch, installed } = await git(bareDir).version();
  if (!installed) throw new WireError(WireErrorCode.GitFailed, 'git is not installed on this host', {});
  const { major: needMajor, minor: needMinor } = MERGE_TREE_MIN_VERSION;
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    const found = `${major}.${minor}.${patch}`;
    const needed = `${needMajor}.${needMinor}`;
    const message = `git ${found} on this host cannot merge without a worktree (merge-tree --write-tree): git ${needed} or newer is needed`;
    throw new WireError(WireErrorCode.GitFailed, message, { found, needed });
  }
  mergeTreeSupported = true;
}

/** A branch of the clone first (a tag of the same name, which upstream could push, must not win), else any revision. */
async function resolveRevision(bareDir: string, revision: string): Promise<string> {
  const commit = (await branchHead(bareDir, revision)) ?? (await resolveCommit(git(bareDir), revision));
  if (!commit) throw new WireError(WireErrorCode.RefNotFound, `${bareDir} has no branch or commit ${revision}`, { dir: bareDir, ref: revision });
  return commit;
}

function targetMoved(bareDir: string, target: string, expected: string, found: string | null): WireError {
  const now = found === null ? 'was deleted' : `is now at ${found}`;
  return new WireError(WireErrorCode.GitFailed, `branch ${target} in ${bareDir} moved while merging: expected at ${expected}, it ${now}`, {
    dir: bareDir,
    branch: target,
    expected,
    found,
  });
}

/** `--name-status -z`: a status letter (R with a score), then the path, or for a rename the old and the new path. */
function parseNameStatus(output: string): Omit<DiffFile, 'additions' | 'deletions'>[] {
  const fields = output.split('\0');
  const files: Omit<DiffFile, 'additions' | 'deletions'>[] = [];
  for (let i = 0; i + 1 < fields.length; ) {
    const letter = fields[i]![0];
    if (letter === 'R') {
      files.push({ path: fields[i + 2]!, status: 'renamed', oldPath: fields[i + 1]! });
      i += 3;
    } else {
      // T (a file became a symlink or back) counts as modified.
      files.push({ path: fields[i + 1]!, status: letter === 'A' ? 'added' : letter === 'D' ? 'deleted' : 'modified' });
      i += 2;
    }
  }
  return files;
}

/** `--numstat -z`: "added\tdeleted\tpath\0", or for a rename "added\tdeleted\t\0old\0new\0"; binary files "-\t-". */
function parseNumstat(output: string): Map<string, { additions: number; deletions: number }> {
  const counts = new Map<string, { additions: number; deletions: number }>();
  const fields = output.split('\0');
  for (let i = 0; i + 1 < fields.length; i++) {
    // A path may itself hold tabs: only the first two separate the counts.
    const [, added, deleted, path] = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(fields[i]!) ?? [];
    const counted = { additions: Number(added) || 0, deletions: Number(deleted) || 0 };
    if (path) {
      counts.set(path, counted);
    } else {
      counts.set(fields[i + 2]!, counted);
      i += 2;
    }
  }
  return counts;
}

/** The whole files of the patch that fit in maxBytes; the first one cut at maxBytes when not even it fits. */
function cutPatch(patch: string, maxBytes: number): string {
  if (Buffer.byteLength(patch) <= maxBytes) return patch;
  let kept = '';
  let keptBytes = 0;
  for (const file of patch.split(/(?=^diff --git )/m)) {
    const bytes = Buffer.byteLength(file);
    if (keptBytes + bytes > maxBytes) break;
    kept += file;
    keptBytes += bytes;
  }
  return kept === '' ? cutUtf8(patch, maxBytes) : kept;
}

/** At most maxBytes of text in UTF-8, never ending in half a character. */
function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back to the first byte of the character the limit falls in.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
