import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { beforeEach, describe, expect, it } from 'vitest';
import { WireErrorCode } from '../../common/wire/errors';
import { commitFiles, type CommitFilesOptions } from './commitFiles';
import { branchHead, createBranch } from './integration';
import { bare, failure, head, origin, repos, reposDir, useRepoFixture } from './testing/repoFixture';

useRepoFixture();

const BRANCH = 'flightdeck-run/r-abc123';
const AUTHOR = { name: 'Flightdeck Coordinator', email: 'coordinator@flightdeck.invalid' };
let clone: string;
let git: SimpleGit;

beforeEach(async () => {
  await repos.add('sample', origin.dir, undefined);
  clone = join(reposDir, 'sample.git');
  git = bare('sample');
  await createBranch(clone, BRANCH, head());
});

const commit = (files: Record<string, string>, extra: Partial<CommitFilesOptions> = {}) =>
  commitFiles(clone, { branch: BRANCH, files: new Map(Object.entries(files)), message: 'Flightdeck: record of run r-abc123', author: AUTHOR, ...extra });

const fileAt = async (commitId: string, path: string) => git.raw(['cat-file', 'blob', `${commitId}:${path}`]);
const treeOf = async (commitId: string) => (await git.raw(['ls-tree', '-r', '--name-only', commitId])).trim().split('\n');

describe('commitFiles', () => {
  it('adds and replaces files in one commit on the branch, keeping the rest of the tree', async () => {
    const created = await commit({
      '.flightdeck/runs/r-abc123/summary.md': '# Done\n',
      'README.md': '# Sample project\n\nWith a record.\n',
      'crlf.txt': 'kept\r\nas is\r\n',
    });
    expect(await branchHead(clone, BRANCH)).toBe(created);
    expect((await git.raw(['rev-list', '--parents', '-n', '1', created])).trim().split(' ').slice(1)).toEqual([head()]);
    expect((await git.raw(['log', '-1', '--format=%an <%ae>|%cn <%ce>|%B', created])).trim()).toBe(
      `${AUTHOR.name} <${AUTHOR.email}>|${AUTHOR.name} <${AUTHOR.email}>|Flightdeck: record of run r-abc123`,
    );
    expect(await treeOf(created)).toEqual(['.flightdeck/runs/r-abc123/summary.md', 'README.md', 'crlf.txt', 'src/index.test.ts', 'src/index.ts']);
    expect(await fileAt(created, '.flightdeck/runs/r-abc123/summary.md')).toBe('# Done\n');
    expect(await fileAt(created, 'README.md')).toBe('# Sample project\n\nWith a record.\n');
    expect(await fileAt(created, 'crlf.txt')).toBe('kept\r\nas is\r\n');
    expect(await fileAt(created, 'src/index.ts')).toBe(await fileAt(head(), 'src/index.ts'));
    // Only the files given changed.
    expect((await git.raw(['diff', '--name-status', head(), created])).trim().split('\n')).toEqual([
      'A\t.flightdeck/runs/r-abc123/summary.md',
      'M\tREADME.md',
      'A\tcrlf.txt',
    ]);
  });

  it('commits nothing when the files are there already, and returns the head', async () => {
    const first = await commit({ 'AGENTS.md': 'agents\n' });
    expect(await commit({ 'AGENTS.md': 'agents\n' })).toBe(first);
    expect(await commit({})).toBe(first);
    expect(await branchHead(clone, BRANCH)).toBe(first);
  });

  it('refuses to move the branch when it is no longer at the head the files were built from', async () => {
    const moved = await commit({ 'one.md': '1\n' });
    const error = await failure(commit({ 'two.md': '2\n' }, { expectedHead: head() }));
    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toBe(`branch ${BRANCH} in ${clone} moved while committing: expected at ${head()}, it is now at ${moved}`);
    expect(error.data).toEqual({ dir: clone, branch: BRANCH, expected: head(), found: moved });
    expect(await branchHead(clone, BRANCH)).toBe(moved);
    // Unchanged files too: the caller's view of the branch is stale either way.
    expect((await failure(commit({ 'one.md': '1\n' }, { expectedHead: head() }))).code).toBe(WireErrorCode.GitFailed);
  });

  it('refuses a branch the clone does not have', async () => {
    const error = await failure(commit({ 'a.md': 'a\n' }, { branch: 'flightdeck-run/r-nothere' }));
    expect(error.code).toBe(WireErrorCode.RefNotFound);
    expect(error.message).toBe(`${clone} has no branch flightdeck-run/r-nothere`);
  });

  it('touches neither an index nor a worktree of the clone, nor any other branch', async () => {
    const refsBefore = await git.raw(['for-each-ref']);
    const entriesBefore = readdirSync(clone).sort();
    expect(existsSync(join(clone, 'index'))).toBe(false);
    await commit({ 'a.md': 'a\n' });
    expect(existsSync(join(clone, 'index'))).toBe(false);
    expect(readdirSync(clone).sort()).toEqual(entriesBefore);
    expect((await git.raw(['rev-parse', '--is-bare-repository'])).trim()).toBe('true');
    const changed = (await git.raw(['for-each-ref'])).split('\n').filter((line) => !refsBefore.includes(line));
    expect(changed).toEqual([expect.stringMatching(new RegExp(` commit\trefs/heads/${BRANCH}$`))]);
  });
});
