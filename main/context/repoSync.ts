import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { DEFAULT_CONTEXT_BRANCH } from '../../common/context/layout';
import { gitAt, gitDirOf, readBlob, readTree, resolveCommit } from './contextGit';
import type { ContextSource } from './contextSource';
import { contextTree } from './contextTree';
import { type Blob, type MergedFile, mergeTrees, type Side } from './treeMerge';

/**
 * `flightdeck context sync`: one commit on the context branch with everything the app holds merged into what the
 * branch (and the team's remote) already has. Built with plumbing and a private index, so the person's working tree,
 * index and HEAD are never touched; objects are written before the ref moves and the ref moves by compare-and-swap,
 * so a sync killed at any point leaves the old head or the new complete commit.
 */

/** What a sync reports as it goes, in order (the first only when pushing, the last two only when there is something new). */
export const SYNC_STAGES = ['fetched', 'merged', 'objects-written', 'committed', 'pushed'] as const;
export type SyncStage = (typeof SYNC_STAGES)[number];

export interface SyncOptions {
  repoPath: string;
  branch?: string;
  push?: boolean;
  /** A configured remote's name. */
  remote?: string;
  source: ContextSource;
  author?: { name: string; email: string };
  onProgress?: (stage: SyncStage, detail: string) => void;
}

export interface SyncResult {
  branch: string;
  /** The commit this sync made, or null when there was nothing new. */
  commit: string | null;
  /** The local branch head before and after. */
  previous: string | null;
  head: string | null;
  /** Paths added or changed by the commit. */
  files: string[];
  /** Records per host name, as the source holds them. */
  auditRecords: Record<string, number>;
  runs: number;
  pushed: boolean;
}

const DEFAULT_AUTHOR = { name: 'Flightdeck', email: 'flightdeck@localhost' };
const ATTEMPTS = 5;
const TEXT_MODE = '100644';
// Arguments per git call stay under Windows' 32K command line.
const MAX_ARGS_CHARS = 24_000;
// A teammate's push or another sync of this repository moved the ref between our read and our write (not a stale
// lock file, which retrying cannot fix).
const RACED = /\[rejected\]|non-fast-forward|fetch first|failed to update ref|is at [0-9a-f]+ but expected|reference already exists/i;

function chunks(args: string[]): string[][] {
  const result: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const arg of args) {
    if (current.length > 0 && size + arg.length > MAX_ARGS_CHARS) {
      result.push(current);
      current = [];
      size = 0;
    }
    current.push(arg);
    size += arg.length + 1;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** Blob ids of files on disk, as they are (no filters: line endings and attributes never change the bytes). */
async function hashFiles(git: SimpleGit, files: string[], write: boolean): Promise<string[]> {
  const oids: string[] = [];
  for (const part of chunks(files)) {
    const out = await git.raw(['hash-object', '--no-filters', ...(write ? ['-w'] : []), '--', ...part]);
    oids.push(...out.trim().split('\n'));
  }
  return oids;
}

async function makeDir(dir: string): Promise<string> {
  await mkdir(dir);
  return dir;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Is `a` an ancestor of (or equal to) `b`? merge-base prints nothing for unrelated histories. */
async function isAncestor(git: SimpleGit, a: string, b: string): Promise<boolean> {
  return (await git.raw(['merge-base', a, b])).trim() === a;
}

/** A sync moves the branch ref; in a worktree that has it checked out, that would change the person's HEAD under them. */
async function refuseIfCheckedOut(git: SimpleGit, ref: string): Promise<void> {
  const blocks = (await git.raw(['worktree', 'list', '--porcelain'])).split('\n\n');
  for (const block of blocks) {
    const lines = block.split('\n');
    if (lines.includes(`branch ${ref}`) && !lines.includes('bare')) {
      throw new Error(`${ref} is checked out in ${lines[0]!.replace(/^worktree /, '')}: switch that worktree to another branch before syncing`);
    }
  }
}

interface Session {
  git: SimpleGit;
  index: SimpleGit;
  work: string;
  ref: string;
  desired: Side;
  desiredFiles: Map<string, string>;
  read: (oid: string) => Promise<string>;
  message: string;
  progress: (stage: SyncStage, detail: string) => void;
}

interface Committed {
  head: string;
  commit: string | null;
  files: string[];
}

/** What the merged tree changes against `base`: blobs written (new texts, the app's files new here) and paths removed. */
async function changesFrom(session: Session, base: Side, merged: Map<string, MergedFile>): Promise<{ entries: [string, Blob][]; removed: string[] }> {
  const entries: [string, Blob][] = [];
  const texts: [string, string][] = [];
  for (const [path, file] of merged) {
    if ('text' in file) texts.push([path, file.text]);
    else if (base.get(path)?.oid !== file.oid || base.get(path)?.mode !== file.mode) entries.push([path, file]);
  }
  const textFiles = await Promise.all(
    texts.map(async ([, text], i) => {
      const file = join(session.work, `merged-${i}`);
      await writeFile(file, text);
      return file;
    }),
  );
  const textOids = await hashFiles(session.git, textFiles, true);
  texts.forEach(([path], i) => {
    if (base.get(path)?.oid !== textOids[i]) entries.push([path, { mode: TEXT_MODE, oid: textOids[i]! }]);
  });
  // The app's files were only hashed so far: written now, and only those that are new here.
  const fromDesired = entries.filter(([path, blob]) => session.desired.get(path)?.oid === blob.oid).map(([path]) => session.desiredFiles.get(path)!);
  await hashFiles(session.git, fromDesired, true);
  return { entries, removed: [...base.keys()].filter((path) => !merged.has(path)) };
}

/** Merges the heads with the desired files and moves the local ref once; throws when the ref moved meanwhile. */
async function commitOnce(session: Session, local: string | null, remote: string | null): Promise<Committed> {
  const { git, index, ref } = session;
  // The newer of two heads when one contains the other; none when they diverged (then both are merged).
  let base: string | null = local ?? remote;
  if (local && remote && local !== remote) base = (await isAncestor(git, local, remote)) ? remote : (await isAncestor(git, remote, local)) ? local : null;
  // Diverged heads are both parents (the team's first in the merge, ours first as parent); no head at all: a root commit.
  const heads = base ? [base] : local && remote ? [remote, local] : [];
  const trees = await Promise.all(heads.map((head) => readTree(git, head)));
  const merged = await mergeTrees([...trees, session.desired], session.read);
  session.progress('merged', plural(merged.size, 'file'));

  // Changes are counted against the first parent: the base, or the local head of a merge.
  const first = base ?? local;
  const { entries, removed } = await changesFrom(session, base ? trees[0]! : local ? trees[1]! : new Map(), merged);
  const files = [...entries.map(([path]) => path), ...removed].sort();
  let head: string;
  let commit: string | null = null;
  if (base && files.length === 0) {
    // Nothing new: at most the local branch catches up with the remote's.
    head = base;
  } else {
    await index.raw(['read-tree', ...(first ? [first] : ['--empty'])]);
    for (const part of chunks(entries.map(([path, blob]) => `${blob.mode},${blob.oid},${path}`))) {
      await index.raw(['update-index', '--add', ...part.flatMap((info) => ['--cacheinfo', info])]);
    }
    for (const part of chunks(removed)) await index.raw(['update-index', '--force-remove', '--', ...part]);
    const tree = (await index.raw(['write-tree'])).trim();
    const parents = heads.length === 2 ? [local!, remote!] : heads;
    commit = (await index.raw(['commit-tree', '--no-gpg-sign', tree, ...parents.flatMap((parent) => ['-p', parent]), '-m', session.message])).trim();
    session.progress('objects-written', plural(files.length, 'file'));
    head = commit;
  }
  if (head !== local) {
    await git.raw(['update-ref', '-m', 'flightdeck context sync', ref, head, local ?? '0'.repeat(head.length)]);
    if (commit) session.progress('committed', commit);
  }
  return { head, commit, files };
}

/** The remote's branch head now, or null when the remote has no such branch yet. */
async function fetchRemote(git: SimpleGit, remote: string, branch: string): Promise<string | null> {
  const tracking = `refs/remotes/${remote}/${branch}`;
  try {
    await git.raw(['fetch', '--no-tags', remote, `+refs/heads/${branch}:${tracking}`]);
  } catch (error) {
    if (/couldn't find remote ref/i.test((error as Error).message)) return null;
    throw error;
  }
  return resolveCommit(git, tracking);
}

function raced(error: unknown): boolean {
  return error instanceof Error && RACED.test(error.message);
}

export async function syncContext(options: SyncOptions): Promise<SyncResult> {
  const { repoPath, branch = DEFAULT_CONTEXT_BRANCH, push = false, remote = 'origin', source } = options;
  const author = options.author ?? DEFAULT_AUTHOR;
  const gitDir = await gitDirOf(repoPath);
  const git = gitAt(gitDir);
  const ref = `refs/heads/${branch}`;
  try {
    await git.raw(['check-ref-format', ref]);
  } catch {
    throw new Error(`"${branch}" is not a valid branch name`);
  }
  await refuseIfCheckedOut(git, ref);

  const tree = contextTree(source);
  const hosts = Object.keys(tree.auditRecords).length;
  const records = Object.values(tree.auditRecords).reduce((sum, count) => sum + count, 0);
  const work = await mkdtemp(join(tmpdir(), 'flightdeck-context-'));
  try {
    const paths = [...tree.files.keys()];
    const desiredFiles = new Map(paths.map((path, i) => [path, join(work, `desired-${i}`)]));
    await Promise.all(paths.map((path) => writeFile(desiredFiles.get(path)!, tree.files.get(path)!)));
    const oids = await hashFiles(git, [...desiredFiles.values()], false);
    const desired: Side = new Map(paths.map((path, i) => [path, { mode: TEXT_MODE, oid: oids[i]! }]));
    const known = new Map(paths.map((path, i) => [oids[i]!, tree.files.get(path)!]));
    const cache = new Map<string, Promise<string>>();
    const session: Session = {
      git,
      // Identity from the options, never from a git config the machine may not have.
      index: gitAt(gitDir, {
        GIT_INDEX_FILE: join(work, 'index'),
        // update-index --force-remove insists on a work tree: an empty one of ours, which nothing here writes to.
        GIT_WORK_TREE: await makeDir(join(work, 'tree')),
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
      }),
      work,
      ref,
      desired,
      desiredFiles,
      read: (oid) => {
        const text = known.get(oid);
        if (text !== undefined) return Promise.resolve(text);
        if (!cache.has(oid)) cache.set(oid, readBlob(git, oid));
        return cache.get(oid)!;
      },
      message: `Flightdeck context: ${plural(records, 'audit record')} from ${plural(hosts, 'host')}, ${plural(tree.runs, 'run')}\n`,
      progress: (stage, detail) => options.onProgress?.(stage, detail),
    };

    const previous = await resolveCommit(git, ref);
    let commit: string | null = null;
    const written = new Set<string>();
    let lastRace: Error | undefined;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      let remoteHead: string | null = null;
      if (push) {
        remoteHead = await fetchRemote(git, remote, branch);
        session.progress('fetched', remoteHead ?? 'no remote branch yet');
      }
      let result: Committed;
      try {
        result = await commitOnce(session, await resolveCommit(git, ref), remoteHead);
      } catch (error) {
        if (!raced(error)) throw error;
        lastRace = error as Error;
        continue;
      }
      commit = result.commit ?? commit;
      for (const file of result.files) written.add(file);
      const done = { branch, commit, previous, head: result.head, files: [...written].sort(), auditRecords: tree.auditRecords, runs: tree.runs };
      if (!push || result.head === remoteHead) return { ...done, pushed: false };
      try {
        // Never forced: a teammate's newer head is fetched and merged on the next attempt. No pre-push hooks: they
        // guard code (tests, linters), and this branch carries none.
        await git.raw(['push', '--no-verify', remote, `${ref}:${ref}`]);
      } catch (error) {
        if (!raced(error)) throw error;
        lastRace = error as Error;
        continue;
      }
      session.progress('pushed', `${remote} ${branch}`);
      return { ...done, pushed: true };
    }
    throw new Error(`${branch} kept moving on ${push ? remote : 'this repository'} while syncing; gave up after ${ATTEMPTS} attempts (last: ${lastRace?.message.trim()})`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
