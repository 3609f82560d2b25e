import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { makeRepo, type TestRepo } from '../../test/harness/repo';
import { openDatabase, type Db } from '../journal/database';
import { progressParser, Repos } from './repos';

let dir: string;
let reposDir: string;
let worktreesDir: string;
let db: Db;
let repos: Repos;
let template: TestRepo;
let origin: TestRepo;

// makeRepo commits with a process per step; a copy of one made once is many times faster, and each test may change its own.
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

/** The error a promise rejects with, so its code, message and data can all be checked. */
async function failure(promise: Promise<unknown>): Promise<WireError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof WireError)) throw new Error(`expected a WireError, got ${String(error)}`);
  return error;
}

function wireErrorOf(run: () => unknown): WireError {
  try {
    run();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError, nothing was thrown');
}

/** Commits files on the origin's checked-out branch; returns the new commit. */
async function commitOnOrigin(files: Record<string, string>, message = 'upstream change'): Promise<string> {
  for (const [path, content] of Object.entries(files)) await writeFile(join(origin.dir, path), content);
  const git = simpleGit(origin.dir);
  await git.add(Object.keys(files));
  await git.commit(message);
  return (await git.revparse(['HEAD'])).trim();
}

const bare = (name: string) => simpleGit(join(reposDir, `${name}.git`));
const branchCommit = async (name: string, branch: string) => (await bare(name).raw(['rev-parse', `refs/heads/${branch}`])).trim();
const head = () => origin.commits.at(-1)!.hash;

describe('Repos: add, list, get, remove', () => {
  it('creates its table and its directories, private to the user', () => {
    expect(statSync(reposDir).mode & 0o777).toBe(0o700);
    expect(statSync(worktreesDir).mode & 0o777).toBe(0o700);
    expect(repos.list()).toEqual([]);
  });

  it('adds a repo from a local path as a bare clone with origin/* refs and no local branches', async () => {
    const before = Date.now();
    const info = await repos.add('sample', origin.dir, undefined);
    expect(info).toMatchObject({ name: 'sample', url: origin.dir, branch: 'main' });
    expect(info.createdAt).toBeGreaterThanOrEqual(before);
    expect(info.fetchedAt).toBe(info.createdAt);
    const git = bare('sample');
    expect((await git.raw(['rev-parse', '--is-bare-repository'])).trim()).toBe('true');
    expect((await git.raw(['rev-parse', 'refs/remotes/origin/main'])).trim()).toBe(head());
    expect((await git.raw(['config', '--get', 'remote.origin.fetch'])).trim()).toBe('+refs/heads/*:refs/remotes/origin/*');
    expect((await git.raw(['for-each-ref', 'refs/heads'])).trim()).toBe('');
    expect(repos.list()).toEqual([info]);
    expect(repos.get('sample')).toEqual(info);
    expect(readdirSync(reposDir)).toEqual(['sample.git']);
  });

  it('adds a repo from a file:// URL', async () => {
    const info = await repos.add('viaurl', `file://${origin.dir}`, undefined);
    expect(info.branch).toBe('main');
    expect((await bare('viaurl').raw(['rev-parse', 'refs/remotes/origin/main'])).trim()).toBe(head());
  });

  it("takes the remote's default branch when none is given, and the given one otherwise", async () => {
    const git = simpleGit(origin.dir);
    await git.checkout(['-b', 'trunk']);
    const trunk = await commitOnOrigin({ 'TRUNK.md': 'trunk\n' });
    expect((await repos.add('default', origin.dir, undefined)).branch).toBe('trunk');
    expect(await repos.resolveBase('default', undefined)).toBe(trunk);
    const chosen = await repos.add('chosen', origin.dir, 'main');
    expect(chosen.branch).toBe('main');
    expect(await repos.resolveBase('chosen', undefined)).toBe(head());
  });

  it('reports progress while fetching', async () => {
    const events: { stage: string; percent: number }[] = [];
    await repos.add('progress', origin.dir, undefined, (event) => events.push(event));
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.stage).not.toBe('');
      expect(event.percent).toBeGreaterThanOrEqual(0);
      expect(event.percent).toBeLessThanOrEqual(100);
    }
    // The server's stages are reported too, each up to its end.
    expect(events).toContainEqual({ stage: 'counting', percent: 100 });
    expect(events).toContainEqual({ stage: 'compressing', percent: 100 });
  });

  it('reads progress lines however the output is cut', () => {
    const events: { stage: string; percent: number }[] = [];
    const parse = progressParser((event) => events.push(event));
    const output = 'remote: Enumerating objects: 6, done.\nremote: Counting objects:  50% (3/6)\rremote: Counting objects: 100% (6/6), done.\nReceiving objects: 100% (6/6), done.\n';
    parse(output.slice(0, 7));
    parse(output.slice(7, 40));
    parse(output.slice(40, 61));
    expect(events).toEqual([]);
    parse(output.slice(61));
    expect(events).toEqual([
      { stage: 'counting', percent: 50 },
      { stage: 'counting', percent: 100 },
      { stage: 'receiving', percent: 100 },
    ]);
  });

  it('fails on a bad URL with GitFailed naming it, and leaves no directory and no row', async () => {
    const missing = join(dir, 'no-such-repo');
    for (const branch of [undefined, 'main']) {
      const error = await failure(repos.add('bad', missing, branch));
      expect(error.code).toBe(WireErrorCode.GitFailed);
      expect(error.message).toContain(missing);
      expect(error.message).toMatch(/does not appear to be a git repository/);
      expect(readdirSync(reposDir)).toEqual([]);
      expect(repos.list()).toEqual([]);
    }
  });

  it('fails on an unknown branch with RefNotFound naming it, and leaves nothing', async () => {
    const error = await failure(repos.add('sample', origin.dir, 'no-such-branch'));
    expect(error.code).toBe(WireErrorCode.RefNotFound);
    expect(error.message).toBe(`${origin.dir} has no branch no-such-branch`);
    // Neither is a revision, nor a prefix of branch names.
    await simpleGit(origin.dir).branch(['team/feature']);
    for (const notBranch of ['main~1', 'team', 'team/*']) {
      expect((await failure(repos.add('sample', origin.dir, notBranch))).code).toBe(WireErrorCode.RefNotFound);
    }
    expect(readdirSync(reposDir)).toEqual([]);
    expect(repos.list()).toEqual([]);
  });

  it('refuses a remote whose HEAD is not a branch unless a branch is given', async () => {
    await simpleGit(origin.dir).checkout(['--detach']);
    const error = await failure(repos.add('detached', origin.dir, undefined));
    expect(error.code).toBe(WireErrorCode.RefNotFound);
    expect(error.message).toMatch(/names no default branch.*--branch/);
    expect(readdirSync(reposDir)).toEqual([]);
    expect((await repos.add('detached', origin.dir, 'main')).branch).toBe('main');
  });

  it('refuses relative paths and bad names before touching anything', async () => {
    for (const url of ['../elsewhere', 'repo', '']) {
      expect((await failure(repos.add('x', url, undefined))).code).toBe(WireErrorCode.InvalidParams);
    }
    const badName = await failure(repos.add('../escape', origin.dir, undefined));
    expect(badName.code).toBe(WireErrorCode.InvalidParams);
    expect(badName.message).toMatch(/^repo name "..\/escape" is not allowed/);
    expect(readdirSync(reposDir)).toEqual([]);
  });

  it('refuses a name already taken, and keeps the first repo', async () => {
    const first = await repos.add('sample', origin.dir, undefined);
    const error = await failure(repos.add('sample', join(dir, 'other'), undefined));
    expect(error.code).toBe(WireErrorCode.RepoExists);
    expect(error.message).toContain('sample');
    expect(repos.list()).toEqual([first]);
    expect(await repos.resolveBase('sample', undefined)).toBe(head());
  });

  it('sweeps what a crash left: an unfinished clone, a clone without a row', async () => {
    mkdirSync(join(reposDir, '.adding-sample-abc123'));
    mkdirSync(join(reposDir, 'sample.git'));
    await writeFile(join(reposDir, 'sample.git', 'junk'), 'x');
    const restarted = new Repos(db, reposDir, worktreesDir);
    expect(readdirSync(reposDir)).toEqual(['sample.git']);
    await restarted.add('sample', origin.dir, undefined);
    expect(existsSync(join(reposDir, 'sample.git', 'junk'))).toBe(false);
  });

  it('get names an unknown repo', () => {
    const error = wireErrorOf(() => repos.get('nope'));
    expect(error.code).toBe(WireErrorCode.RepoNotFound);
    expect(error.message).toBe('no repo named nope on this host');
  });

  it('removes a repo only when no worktree uses it', async () => {
    await repos.add('sample', origin.dir, undefined);
    const refused = await failure(repos.remove('sample', 2));
    expect(refused.code).toBe(WireErrorCode.InvalidRequest);
    expect(refused.message).toBe('repo sample still has 2 agent worktrees; remove those agents first');
    expect(existsSync(join(reposDir, 'sample.git'))).toBe(true);
    await repos.remove('sample', 0);
    expect(existsSync(join(reposDir, 'sample.git'))).toBe(false);
    expect(repos.list()).toEqual([]);
    expect((await failure(repos.remove('sample', 0))).code).toBe(WireErrorCode.RepoNotFound);
  });
});

describe('Repos: resolveBase', () => {
  beforeEach(async () => {
    await repos.add('sample', origin.dir, undefined);
  });

  it('fetches first, so a commit pushed to the origin after add is the default base', async () => {
    const before = repos.get('sample').fetchedAt!;
    const pushed = await commitOnOrigin({ 'NEW.md': 'new\n' });
    expect(await repos.resolveBase('sample', undefined)).toBe(pushed);
    expect(repos.get('sample').fetchedAt!).toBeGreaterThanOrEqual(before);
    expect(await repos.resolveBase('sample', 'main')).toBe(pushed);
  });

  it('resolves a tag (fetched after add too), a full or short commit, and a branch of origin', async () => {
    const git = simpleGit(origin.dir);
    await git.raw(['tag', '-a', 'v1', '-m', 'release 1', origin.commits[0]!.hash]);
    await git.branch(['feature', origin.commits[1]!.hash]);
    expect(await repos.resolveBase('sample', 'v1')).toBe(origin.commits[0]!.hash);
    expect(await repos.resolveBase('sample', origin.commits[1]!.hash)).toBe(origin.commits[1]!.hash);
    expect(await repos.resolveBase('sample', origin.commits[0]!.hash.slice(0, 10))).toBe(origin.commits[0]!.hash);
    expect(await repos.resolveBase('sample', 'feature')).toBe(origin.commits[1]!.hash);
  });

  it('follows a tag moved on the origin', async () => {
    const git = simpleGit(origin.dir);
    await git.raw(['tag', 'moving', origin.commits[0]!.hash]);
    expect(await repos.resolveBase('sample', 'moving')).toBe(origin.commits[0]!.hash);
    await git.raw(['tag', '-f', 'moving', origin.commits[2]!.hash]);
    expect(await repos.resolveBase('sample', 'moving')).toBe(origin.commits[2]!.hash);
  });

  it('forgets branches deleted on the origin', async () => {
    const git = simpleGit(origin.dir);
    await git.branch(['feature', origin.commits[1]!.hash]);
    expect(await repos.resolveBase('sample', 'feature')).toBe(origin.commits[1]!.hash);
    await git.branch(['-D', 'feature']);
    expect((await failure(repos.resolveBase('sample', 'feature'))).code).toBe(WireErrorCode.RefNotFound);
  });

  it('prefers the branch of origin over a local branch of the same name', async () => {
    await repos.createWorktree('sample', 'a', origin.commits[0]!.hash);
    await simpleGit(origin.dir).branch(['flightdeck/a', origin.commits[2]!.hash]);
    expect(await repos.resolveBase('sample', 'flightdeck/a')).toBe(origin.commits[2]!.hash);
    // …and the fetch never moved the agent's own branch.
    expect(await branchCommit('sample', 'flightdeck/a')).toBe(origin.commits[0]!.hash);
  });

  it('resolves a local branch that origin does not have', async () => {
    await repos.createWorktree('sample', 'a', origin.commits[1]!.hash);
    expect(await repos.resolveBase('sample', 'flightdeck/a')).toBe(origin.commits[1]!.hash);
  });

  it('names an unknown ref and the repo', async () => {
    for (const ref of ['no-such-ref', '--upload-pack=touch x', 'a..b']) {
      const error = await failure(repos.resolveBase('sample', ref));
      expect(error.code).toBe(WireErrorCode.RefNotFound);
      expect(error.message).toBe(`repo sample has no branch, tag or commit ${ref}`);
      expect(error.data).toEqual({ repo: 'sample', ref });
    }
  });

  it('fails with GitFailed naming the URL when the origin is gone', async () => {
    await origin.cleanup();
    const error = await failure(repos.resolveBase('sample', undefined));
    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toContain(`could not fetch ${origin.dir}`);
  });

  it('names an unknown repo', async () => {
    expect((await failure(repos.resolveBase('nope', undefined))).code).toBe(WireErrorCode.RepoNotFound);
  });
});

describe('Repos: worktrees', () => {
  beforeEach(async () => {
    await repos.add('sample', origin.dir, undefined);
  });

  it('creates a worktree on a new branch flightdeck/<agent> with the files of the base', async () => {
    const base = origin.commits[0]!.hash;
    const created = await repos.createWorktree('sample', 'alice', base);
    expect(created).toEqual({ path: join(worktreesDir, 'alice'), branch: 'flightdeck/alice' });
    expect(await readFile(join(created.path, 'src/index.ts'), 'utf8')).toBe('export const answer = 41;\n');
    expect(existsSync(join(created.path, 'src/index.test.ts'))).toBe(false);
    const git = simpleGit(created.path);
    expect((await git.raw(['rev-parse', 'HEAD'])).trim()).toBe(base);
    expect((await git.raw(['symbolic-ref', 'HEAD'])).trim()).toBe('refs/heads/flightdeck/alice');
    expect(await branchCommit('sample', 'flightdeck/alice')).toBe(base);
    expect(await repos.dirtyFiles(created.path)).toEqual([]);
  });

  it('gives two agents separate directories and branches', async () => {
    const a = await repos.createWorktree('sample', 'a', head());
    const b = await repos.createWorktree('sample', 'b', head());
    expect(a.path).not.toBe(b.path);
    await writeFile(join(a.path, 'README.md'), 'changed by a\n');
    expect(await readFile(join(b.path, 'README.md'), 'utf8')).toBe('# Sample project\n');
    expect(await repos.dirtyFiles(a.path)).toEqual(['README.md']);
    expect(await repos.dirtyFiles(b.path)).toEqual([]);
  });

  it('creates worktrees and fetches for agents starting at once, one after another', async () => {
    // Concurrent fetches that move the same origin/* refs fail on git's ref locks: every one of these must succeed.
    await commitOnOrigin({ 'NEW.md': 'new\n' });
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const results = await Promise.all([
      ...names.map((name) => repos.resolveBase('sample', undefined).then(() => repos.createWorktree('sample', name, head()))),
      ...names.map(() => repos.resolveBase('sample', undefined)),
    ]);
    expect(results.slice(0, names.length)).toEqual(names.map((name) => ({ path: join(worktreesDir, name), branch: `flightdeck/${name}` })));
    expect(new Set(results.slice(names.length))).toEqual(new Set([(await simpleGit(origin.dir).revparse(['HEAD'])).trim()]));
    for (const name of names) expect(existsSync(join(worktreesDir, name, 'README.md'))).toBe(true);
  });

  it("refuses an agent whose branch exists, saying the earlier agent's branch stays", async () => {
    const first = await repos.createWorktree('sample', 'alice', head());
    await repos.removeWorktree('sample', first.path, false);
    const error = await failure(repos.createWorktree('sample', 'alice', head()));
    expect(error.code).toBe(WireErrorCode.InvalidRequest);
    expect(error.message).toMatch(/^branch flightdeck\/alice already exists in repo sample: the branch of an earlier agent named alice stays/);
    expect(existsSync(first.path)).toBe(false);
  });

  it('refuses a worktree directory that already exists', async () => {
    mkdirSync(join(worktreesDir, 'alice'));
    const error = await failure(repos.createWorktree('sample', 'alice', head()));
    expect(error.code).toBe(WireErrorCode.InvalidRequest);
    expect(error.message).toBe(`the worktree directory ${join(worktreesDir, 'alice')} already exists`);
    expect((await bare('sample').raw(['for-each-ref', 'refs/heads'])).trim()).toBe('');
  });

  it('refuses an unknown base commit and creates nothing', async () => {
    const error = await failure(repos.createWorktree('sample', 'alice', 'f'.repeat(40)));
    expect(error.code).toBe(WireErrorCode.RefNotFound);
    expect(error.message).toBe(`repo sample has no commit ${'f'.repeat(40)}`);
    expect(existsSync(join(worktreesDir, 'alice'))).toBe(false);
    expect((await bare('sample').raw(['for-each-ref', 'refs/heads'])).trim()).toBe('');
  });

  it('leaves no branch behind when git made it but could not check the files out', async () => {
    // A file name longer than any file system allows: git records it, no checkout can create it.
    const git = simpleGit(origin.dir);
    const blob = (await git.raw(['hash-object', '-w', join(origin.dir, 'README.md')])).trim();
    await git.raw(['update-index', '--add', '--cacheinfo', `100644,${blob},${'x'.repeat(300)}`]);
    const tree = (await git.raw(['write-tree'])).trim();
    const bad = (await git.raw(['commit-tree', tree, '-p', 'HEAD', '-m', 'unwritable'])).trim();
    await git.raw(['update-ref', 'refs/heads/unwritable', bad]);
    expect(await repos.resolveBase('sample', 'unwritable')).toBe(bad);
    const error = await failure(repos.createWorktree('sample', 'alice', bad));
    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toMatch(/^could not create the worktree of agent alice in repo sample: .*File name too long/s);
    expect(existsSync(join(worktreesDir, 'alice'))).toBe(false);
    expect((await bare('sample').raw(['for-each-ref', 'refs/heads'])).trim()).toBe('');
    expect((await bare('sample').raw(['worktree', 'list', '--porcelain'])).trim()).not.toContain('alice');
  });

  it('refuses a bad agent name before touching git', async () => {
    const error = await failure(repos.createWorktree('sample', '../x', head()));
    expect(error.code).toBe(WireErrorCode.InvalidParams);
    expect(error.message).toMatch(/^agent name "..\/x" is not allowed: /);
    expect(readdirSync(dir).sort()).toEqual(['host.db', 'host.db-shm', 'host.db-wal', 'repos', 'worktrees']);
    expect((await bare('sample').raw(['for-each-ref', 'refs/heads'])).trim()).toBe('');
  });

  it('lists modified, staged and untracked files as dirty, even when status hides untracked ones', async () => {
    const { path } = await repos.createWorktree('sample', 'alice', head());
    await bare('sample').raw(['config', 'status.showUntrackedFiles', 'no']);
    await writeFile(join(path, 'README.md'), 'modified\n');
    await writeFile(join(path, 'untracked.txt'), 'new\n');
    mkdirSync(join(path, 'newdir'));
    await writeFile(join(path, 'newdir', 'inside.txt'), 'new\n');
    await writeFile(join(path, 'staged.txt'), 'staged\n');
    await simpleGit(path).raw(['add', 'staged.txt']);
    await simpleGit(path).raw(['mv', 'src/index.test.ts', 'src/renamed.test.ts']);
    expect((await repos.dirtyFiles(path)).sort()).toEqual(['README.md', 'newdir/', 'src/renamed.test.ts', 'staged.txt', 'untracked.txt']);
  });

  it('names the path when it cannot read a status', async () => {
    const missing = join(worktreesDir, 'ghost');
    const error = await failure(repos.dirtyFiles(missing));
    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toContain(missing);
  });

  it('refuses to remove a dirty worktree, listing up to 10 files', async () => {
    const { path } = await repos.createWorktree('sample', 'alice', head());
    for (let i = 0; i < 12; i++) await writeFile(join(path, `file${String(i).padStart(2, '0')}.txt`), 'x\n');
    const error = await failure(repos.removeWorktree('sample', path, false));
    expect(error.code).toBe(WireErrorCode.WorktreeDirty);
    expect(error.message).toBe(
      `the worktree ${path} has uncommitted changes (file00.txt, file01.txt, file02.txt, file03.txt, file04.txt, file05.txt, ` +
        'file06.txt, file07.txt, file08.txt, file09.txt and 2 more); commit them, or remove with --force to lose them',
    );
    expect(error.data).toMatchObject({ repo: 'sample', path, count: 12 });
    expect(existsSync(join(path, 'file11.txt'))).toBe(true);
  });

  it('removes a dirty worktree with force; the branch and its commits stay', async () => {
    const { path } = await repos.createWorktree('sample', 'alice', head());
    await writeFile(join(path, 'work.txt'), 'committed\n');
    const agentGit = simpleGit({ baseDir: path, config: ['user.name=Agent', 'user.email=agent@flightdeck.invalid', 'commit.gpgsign=false'] });
    await agentGit.add(['work.txt']);
    await agentGit.commit('agent work');
    const agentCommit = (await agentGit.raw(['rev-parse', 'HEAD'])).trim();
    await writeFile(join(path, 'README.md'), 'uncommitted\n');
    await repos.removeWorktree('sample', path, true);
    expect(existsSync(path)).toBe(false);
    expect(await branchCommit('sample', 'flightdeck/alice')).toBe(agentCommit);
    expect(await bare('sample').raw(['worktree', 'list', '--porcelain'])).not.toContain(path);
  });

  it('removes a clean worktree without force, and forgets one whose directory is already gone', async () => {
    const a = await repos.createWorktree('sample', 'a', head());
    const b = await repos.createWorktree('sample', 'b', head());
    await repos.removeWorktree('sample', a.path, false);
    expect(existsSync(a.path)).toBe(false);
    await rm(b.path, { recursive: true, force: true });
    expect(await bare('sample').raw(['worktree', 'list', '--porcelain'])).toContain(b.path);
    await repos.removeWorktree('sample', b.path, false);
    expect(await bare('sample').raw(['worktree', 'list', '--porcelain'])).not.toContain(b.path);
    expect(await branchCommit('sample', 'flightdeck/a')).toBe(head());
    expect(await branchCommit('sample', 'flightdeck/b')).toBe(head());
  });

  it("deletes an agent's branch once its worktree is gone, and nothing else", async () => {
    const { path, branch } = await repos.createWorktree('sample', 'alice', head());
    const inUse = await failure(repos.deleteBranch('sample', branch));
    expect(inUse.code).toBe(WireErrorCode.GitFailed);
    expect(inUse.message).toMatch(/^could not delete the branch flightdeck\/alice of repo sample: .*checked out/s);
    await repos.removeWorktree('sample', path, false);
    await repos.deleteBranch('sample', branch);
    expect((await bare('sample').raw(['for-each-ref', 'refs/heads'])).trim()).toBe('');
    expect((await failure(repos.deleteBranch('sample', branch))).code).toBe(WireErrorCode.RefNotFound);
    expect((await failure(repos.deleteBranch('sample', 'main'))).code).toBe(WireErrorCode.InvalidParams);
    // The agent's name is free again.
    expect((await repos.createWorktree('sample', 'alice', head())).branch).toBe(branch);
  });

  it('refuses to remove a directory that is not a worktree of the repo', async () => {
    const stranger = join(worktreesDir, 'stranger');
    mkdirSync(stranger);
    await writeFile(join(stranger, 'keep.txt'), 'x\n');
    const error = await failure(repos.removeWorktree('sample', stranger, true));
    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toMatch(/^could not remove the worktree .* of repo sample: .*is not a working tree/s);
    expect(existsSync(join(stranger, 'keep.txt'))).toBe(true);
  });
});

describe("Repos: git runs with the VM's own settings and never asks", () => {
  it('fails instead of prompting for a password, and masks the one in the URL', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="private"' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const asked = await failure(repos.add('private', `http://127.0.0.1:${port}/team/app.git`, undefined));
      expect(asked.code).toBe(WireErrorCode.GitFailed);
      expect(asked.message).toBe(
        `could not reach http://127.0.0.1:${port}/team/app.git: fatal: could not read Username for 'http://127.0.0.1:${port}': ` +
          'terminal prompts disabled',
      );
      const refused = await failure(repos.add('private', `http://bob:hunter2@127.0.0.1:${port}/team/app.git`, undefined));
      expect(refused.message).toMatch(/^could not reach http:\/\/bob:\*\*\*@127\.0\.0\.1:\d+\/team\/app\.git: fatal: Authentication failed/);
      expect(JSON.stringify(refused)).not.toContain('hunter2');
      expect(readdirSync(reposDir)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it("uses the host's GIT_SSH_COMMAND, not the SSH agent a laptop forwarded", async () => {
    const seen = join(dir, 'ssh-env.txt');
    const fakeSsh = join(dir, 'fake-ssh');
    await writeFile(fakeSsh, `#!/bin/sh\nenv > '${seen}'\necho "fake-ssh: connection refused" >&2\nexit 255\n`);
    await chmod(fakeSsh, 0o755);
    const saved = { ...process.env };
    Object.assign(process.env, { GIT_SSH_COMMAND: fakeSsh, SSH_AUTH_SOCK: '/tmp/laptop-agent.sock', EDITOR: 'vi', PAGER: 'less' });
    try {
      const error = await failure(repos.add('viassh', 'ssh://git@example.invalid/team/app.git', undefined));
      expect(error.code).toBe(WireErrorCode.GitFailed);
      expect(error.message).toContain('fake-ssh: connection refused');
    } finally {
      process.env = saved;
    }
    const env = await readFile(seen, 'utf8');
    expect(env).toContain('GIT_TERMINAL_PROMPT=0');
    expect(env).not.toContain('SSH_AUTH_SOCK');
    expect(readdirSync(reposDir)).toEqual([]);
  });
});
