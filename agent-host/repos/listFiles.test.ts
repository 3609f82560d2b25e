import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { beforeEach, describe, expect, it } from 'vitest';
import { WireErrorCode } from '../../common/wire/errors';
import { runbookFilesOf } from '../runbooks/runbookLibrary';
import { failure, head, origin, repos, useRepoFixture } from './testing/repoFixture';

useRepoFixture();

const DIR = '.flightdeck/runbooks';

/** Commits on the origin: files (folders made as needed), a symlink and a submodule entry under DIR. */
async function commitRunbooks(files: Record<string, string>): Promise<string> {
  const git = simpleGit(origin.dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(origin.dir, path, '..'), { recursive: true });
    await writeFile(join(origin.dir, path), text);
  }
  await symlink('a.md', join(origin.dir, DIR, 'link.md'));
  // A gitlink (submodule) entry, without a submodule repository behind it.
  await git.raw(['update-index', '--add', '--cacheinfo', `160000,${head()},${DIR}/module`]);
  await git.add([...Object.keys(files), `${DIR}/link.md`]);
  await git.commit('runbooks');
  return (await git.revparse(['HEAD'])).trim();
}

describe('Repos: listFiles', () => {
  beforeEach(async () => {
    await repos.add('sample', origin.dir, undefined);
  });

  it('reads the regular files directly under a folder at a commit, skipping symlinks, submodules and subfolders', async () => {
    await commitRunbooks({
      [`${DIR}/b.md`]: 'B\n',
      [`${DIR}/a.md`]: 'A\n',
      [`${DIR}/notes.txt`]: 'notes\n',
      [`${DIR}/nested/c.md`]: 'C\n',
      '.flightdeck/policy.yaml': 'sandbox: strict\n',
    });
    const commit = await repos.resolveBase('sample', undefined);
    const tree = await simpleGit(origin.dir).raw(['ls-tree', commit, `${DIR}/`]);
    expect(tree).toMatch(/^120000 blob \w+\t\S+\/link\.md$/m);
    expect(tree).toMatch(/^160000 commit \w+\t\S+\/module$/m);
    expect(await repos.listFiles('sample', commit, DIR)).toEqual([
      { path: `${DIR}/a.md`, text: 'A\n' },
      { path: `${DIR}/b.md`, text: 'B\n' },
      { path: `${DIR}/notes.txt`, text: 'notes\n' },
    ]);
    expect(await repos.listFiles('sample', commit, `${DIR}/`)).toHaveLength(3);
    // The folder as an older commit has it: not there yet.
    expect(await repos.listFiles('sample', head(), DIR)).toEqual([]);
  });

  it('refuses a file over 256 KiB, naming it', async () => {
    await commitRunbooks({ [`${DIR}/a.md`]: 'A\n', [`${DIR}/huge.md`]: 'x'.repeat(256 * 1024 + 1) });
    const commit = await repos.resolveBase('sample', undefined);
    const error = await failure(repos.listFiles('sample', commit, DIR));
    expect(error.code).toBe(WireErrorCode.InvalidRequest);
    expect(error.message).toBe(`${DIR}/huge.md at ${commit} in repo sample is 257 KiB; at most 256 KiB are read`);
    expect(error.data).toMatchObject({ repo: 'sample', path: `${DIR}/huge.md`, size: 256 * 1024 + 1 });
  });

  it('names an unknown commit and an unknown repo', async () => {
    const error = await failure(repos.listFiles('sample', 'f'.repeat(40), DIR));
    expect(error.code).toBe(WireErrorCode.RefNotFound);
    expect(error.message).toBe(`repo sample has no commit ${'f'.repeat(40)}`);
    expect((await failure(repos.listFiles('nope', head(), DIR))).code).toBe(WireErrorCode.RepoNotFound);
  });

  it("gives a repo's runbook files as its default branch has them after a fetch (runbookFilesOf)", async () => {
    const commit = await commitRunbooks({ [`${DIR}/a.md`]: 'A\n', [`${DIR}/notes.txt`]: 'notes\n' });
    expect(await runbookFilesOf(repos, 'sample')).toEqual({ commit, files: [{ path: `${DIR}/a.md`, text: 'A\n' }] });
  });
});
