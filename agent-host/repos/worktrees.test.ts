import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { beforeEach, describe, expect, it } from 'vitest';
import { WireErrorCode } from '../../common/wire/errors';
import { bare, branchCommit, commitOnOrigin, dir, failure, head, origin, repos, useRepoFixture, worktreesDir } from './testing/repoFixture';

useRepoFixture();

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

  it("gives the agent a repository of its own: no other agent's branch, the host clone's objects only borrowed", async () => {
    const other = await repos.createWorktree('sample', 'bob', head());
    const { path } = await repos.createWorktree('sample', 'alice', head());
    const agentGit = simpleGit({ baseDir: path, config: ['user.name=Agent', 'user.email=agent@flightdeck.invalid', 'commit.gpgsign=false'] });
    expect((await agentGit.raw(['for-each-ref', '--format=%(refname)'])).trim()).toBe('refs/heads/flightdeck/alice');
    await writeFile(join(path, 'work.txt'), 'work\n');
    await agentGit.add(['work.txt']);
    await agentGit.commit('agent work');
    const commit = (await agentGit.raw(['rev-parse', 'HEAD'])).trim();
    // The commit lives in the agent's repository until the host brings it over.
    expect(await branchCommit('sample', 'flightdeck/alice')).toBe(head());
    expect(await repos.syncBranch('sample', path, 'flightdeck/alice')).toBe(commit);
    expect(await branchCommit('sample', 'flightdeck/alice')).toBe(commit);
    expect(await branchCommit('sample', 'flightdeck/bob')).toBe(head());
    expect(existsSync(other.path)).toBe(true);
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
    await simpleGit(path).raw(['config', 'status.showUntrackedFiles', 'no']);
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
  });

  it('removes a clean worktree without force, and is done with one whose directory is already gone', async () => {
    const a = await repos.createWorktree('sample', 'a', head());
    const b = await repos.createWorktree('sample', 'b', head());
    await repos.removeWorktree('sample', a.path, false);
    expect(existsSync(a.path)).toBe(false);
    await rm(b.path, { recursive: true, force: true });
    await repos.removeWorktree('sample', b.path, false);
    expect(await branchCommit('sample', 'flightdeck/a')).toBe(head());
    expect(await branchCommit('sample', 'flightdeck/b')).toBe(head());
  });

  it("deletes an agent's branch once its worktree is gone, and nothing else", async () => {
    const { path, branch } = await repos.createWorktree('sample', 'alice', head());
    const inUse = await failure(repos.deleteBranch('sample', branch));
    expect(inUse.code).toBe(WireErrorCode.InvalidRequest);
    expect(inUse.message).toBe(`the branch flightdeck/alice is checked out in the worktree ${path}; remove that first`);
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
    expect(error.code).toBe(WireErrorCode.InvalidRequest);
    expect(error.message).toBe(`${stranger} is not an agent worktree of repo sample; it is left alone`);
    expect(existsSync(join(stranger, 'keep.txt'))).toBe(true);
  });
});
