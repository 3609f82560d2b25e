// The shared setup of the Repos tests: a fresh host database and dirs per test, and an origin repo copied from one
// made once (makeRepo commits with a process per step). The state is exported as live bindings, set before each test.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { WireError } from '../../../common/wire/errors';
import { makeRepo, type TestRepo } from '../../../test/harness/repo';
import { openDatabase, type Db } from '../../journal/database';
import { Repos } from '../repos';

export let dir: string;
export let reposDir: string;
export let worktreesDir: string;
export let db: Db;
export let repos: Repos;
export let origin: TestRepo;

/** Registers the per-file and per-test setup; call once at the top of a test file. */
export function useRepoFixture(): void {
  let template: TestRepo;
  beforeAll(async () => {
    template = await makeRepo();
  });

  afterAll(async () => {
    await template.cleanup();
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fd-repos-'));
    reposDir = join(dir, 'repos');
    worktreesDir = join(dir, 'worktrees');
    db = openDatabase(join(dir, 'host.db'));
    repos = new Repos(db, reposDir, worktreesDir);
    const originDir = await mkdtemp(join(tmpdir(), 'fd-origin-'));
    await cp(template.dir, originDir, { recursive: true });
    origin = { dir: originDir, commits: template.commits, cleanup: () => rm(originDir, { recursive: true, force: true }) };
  });

  afterEach(async () => {
    db.close();
    await origin.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
}

/** The error a promise rejects with, so its code, message and data can all be checked. */
export async function failure(promise: Promise<unknown>): Promise<WireError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof WireError)) throw new Error(`expected a WireError, got ${String(error)}`);
  return error;
}

export function wireErrorOf(run: () => unknown): WireError {
  try {
    run();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError, nothing was thrown');
}

/** Commits files on the origin's checked-out branch; returns the new commit. */
export async function commitOnOrigin(files: Record<string, string>, message = 'upstream change'): Promise<string> {
  for (const [path, content] of Object.entries(files)) await writeFile(join(origin.dir, path), content);
  const git = simpleGit(origin.dir);
  await git.add(Object.keys(files));
  await git.commit(message);
  return (await git.revparse(['HEAD'])).trim();
}

export const bare = (name: string) => simpleGit(join(reposDir, `${name}.git`));
export const branchCommit = async (name: string, branch: string) => (await bare(name).raw(['rev-parse', `refs/heads/${branch}`])).trim();
export const head = () => origin.commits.at(-1)!.hash;
