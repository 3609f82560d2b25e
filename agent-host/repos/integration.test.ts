import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { beforeEach, describe, expect, it } from 'vitest';
import { WireErrorCode } from '../../common/wire/errors';
import { branchHead, createBranch, diffBetween, mergeBase, mergeIntoBranch, type MergeOptions } from './integration';
import { bare, failure, head, origin, repos, reposDir, useRepoFixture } from './testing/repoFixture';

useRepoFixture();

const TARGET = 'flightdeck/run/1';
const AUTHOR = { name: 'Flightdeck Coordinator', email: 'coordinator@flightdeck.invalid' };
let clone: string;
let git: SimpleGit;

beforeEach(async () => {
  await repos.add('sample', origin.dir, undefined);
  clone = join(reposDir, 'sample.git');
  git = bare('sample');
});

/** An agent's step as the host gets it: a worktree at base, one commit made there, the branch synced back. */
async function step(agent: string, base: string, change: (dir: string, agentGit: SimpleGit) => Promise<void>): Promise<string> {
  const { path, branch } = await repos.createWorktree('sample', agent, base);
  const agentGit = simpleGit({ baseDir: path, config: ['user.name=Agent', 'user.email=agent@flightdeck.invalid', 'commit.gpgsign=false'] });
  await change(path, agentGit);
  await agentGit.raw(['add', '--all']);
  await agentGit.commit(`step ${agent}`);
  return repos.syncBranch('sample', path, branch);
}

const writing = (files: Record<string, string | Buffer>) => async (dir: string) => {
  for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
};

const merge = (source: string, extra: Partial<MergeOptions> = {}) =>
  mergeIntoBranch(clone, { target: TARGET, source, message: `Merge ${source}`, author: AUTHOR, ...extra });

const show = async (spec: string) => git.raw(['show', spec]);
const orphanCommit = async () => {
  const emptyTree = (await git.raw(['hash-object', '-t', 'tree', '-w', '/dev/null'])).trim();
  return (await git.raw(['commit-tree', emptyTree, '-m', 'orphan'])).trim();
};
const parents = async (commit: string) => (await git.raw(['rev-list', '--parents', '-n', '1', commit])).trim().split(' ').slice(1);

describe('integration branch: createBranch, branchHead', () => {
  it('creates the branch at a commit, again without complaint, and refuses it at another commit', async () => {
    expect(await branchHead(clone, TARGET)).toBeNull();
    expect(await createBranch(clone, TARGET, head())).toBe(head());
    expect(await branchHead(clone, TARGET)).toBe(head());
    // The same commit named another way is still the same branch.
    expect(await createBranch(clone, TARGET, 'origin/main')).toBe(head());
    const older = origin.commits[0]!.hash;
    const error = await failure(createBranch(clone, TARGET, older));
    expect(error.code).toBe(WireErrorCode.InvalidRequest);
    expect(error.message).toBe(`branch ${TARGET} already exists in ${clone} at ${head()}, not at ${older}`);
    expect(await branchHead(clone, TARGET)).toBe(head());
  });

  it('refuses a commit the clone does not have', async () => {
    const error = await failure(createBranch(clone, TARGET, 'no-such-branch'));
    expect(error.code).toBe(WireErrorCode.RefNotFound);
    expect(error.message).toBe(`${clone} has no branch or commit no-such-branch`);
    expect(await branchHead(clone, TARGET)).toBeNull();
  });

  it('reads exactly the named branch: not a revision expression, not a prefix of other branches', async () => {
    await createBranch(clone, TARGET, head());
    expect(await branchHead(clone, `${TARGET}~1`)).toBeNull();
    expect(await branchHead(clone, 'flightdeck/run')).toBeNull();
    expect(await branchHead(clone, 'flightdeck/run/*')).toBeNull();
  });
});

describe('integration branch: mergeIntoBranch', () => {
  it('merges two steps that touched different files with a merge commit each, even where a fast-forward would do', async () => {
    await createBranch(clone, TARGET, head());
    const a = await step('a', head(), writing({ 'A.md': 'from a\n' }));
    const b = await step('b', head(), writing({ 'README.md': '# Sample project, by b\n' }));

    const first = await merge('flightdeck/a', { message: 'Merge step a: handle --upload-pack in the fetch' });
    if (!first.merged) throw new Error(`step a did not merge: ${first.details}`);
    expect(first.alreadyMerged).toBe(false);
    expect(await parents(first.commit)).toEqual([head(), a]);
    expect((await git.raw(['rev-parse', `${first.commit}^{tree}`])).trim()).toBe((await git.raw(['rev-parse', `${a}^{tree}`])).trim());

    const second = await merge('flightdeck/b');
    if (!second.merged) throw new Error(`step b did not merge: ${second.details}`);
    expect(await parents(second.commit)).toEqual([first.commit, b]);
    expect(await branchHead(clone, TARGET)).toBe(second.commit);
    expect(await show(`${TARGET}:A.md`)).toBe('from a\n');
    expect(await show(`${TARGET}:README.md`)).toBe('# Sample project, by b\n');
    expect(await show(`${TARGET}:src/index.ts`)).toBe('export const answer = 42;\n');

    const described = await git.raw(['log', '-2', '--format=%an <%ae>|%cn <%ce>|%B', TARGET]);
    const identity = `${AUTHOR.name} <${AUTHOR.email}>`;
    expect(described).toContain(`${identity}|${identity}|Merge flightdeck/b\n`);
    expect(described).toContain(`${identity}|${identity}|Merge step a: handle --upload-pack in the fetch\n`);
    // The agents' branches are read, never moved.
    expect(await branchHead(clone, 'flightdeck/a')).toBe(a);
    expect(await branchHead(clone, 'flightdeck/b')).toBe(b);
  });

  it('reports a conflict with the files and git messages, and leaves the target where it was', async () => {
    await createBranch(clone, TARGET, head());
    await step('a', head(), writing({ 'README.md': '# Changed by a\n', 'my notes.md': 'a\n' }));
    await step('b', head(), writing({ 'README.md': '# Changed by b\n', 'my notes.md': 'b\n', 'B.md': 'b\n' }));
    const first = await merge('flightdeck/a');
    if (!first.merged) throw new Error('step a did not merge');

    const second = await merge('flightdeck/b');
    if (second.merged) throw new Error('the conflicting step b merged');
    expect(second.conflicts).toEqual(['README.md', 'my notes.md']);
    expect(second.details).toContain('CONFLICT (content): Merge conflict in README.md\n');
    expect(second.details).toContain('CONFLICT (add/add): Merge conflict in my notes.md\n');
    expect(await branchHead(clone, TARGET)).toBe(first.commit);
  });

  it('does nothing for a source the target already contains', async () => {
    await createBranch(clone, TARGET, head());
    await step('a', head(), writing({ 'A.md': 'from a\n' }));
    const first = await merge('flightdeck/a');
    if (!first.merged) throw new Error('step a did not merge');
    expect(await merge('flightdeck/a')).toEqual({ merged: true, commit: first.commit, alreadyMerged: true });
    expect(await merge(origin.commits[0]!.hash)).toEqual({ merged: true, commit: first.commit, alreadyMerged: true });
    expect(await branchHead(clone, TARGET)).toBe(first.commit);
  });

  it('refuses to move a target that is no longer at the head the merge was based on', async () => {
    await createBranch(clone, TARGET, head());
    await step('a', head(), writing({ 'A.md': 'from a\n' }));
    await step('b', head(), writing({ 'B.md': 'from b\n' }));
    const first = await merge('flightdeck/a');
    if (!first.merged) throw new Error('step a did not merge');

    const error = await failure(merge('flightdeck/b', { expectedHead: head() }));
    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toBe(`branch ${TARGET} in ${clone} moved while merging: expected at ${head()}, it is now at ${first.commit}`);
    expect(await branchHead(clone, TARGET)).toBe(first.commit);
    // Nor does an already merged source pass for merged into a head the target has left.
    await expect(merge(origin.commits[0]!.hash, { expectedHead: head() })).rejects.toThrow(/moved while merging/);
  });

  it('loses no merge when several run at once: each one either lands or fails saying the target moved', async () => {
    await createBranch(clone, TARGET, head());
    const agents = ['a', 'b', 'c', 'd'];
    for (const agent of agents) await step(agent, head(), writing({ [`${agent}.md`]: `${agent}\n` }));
    const results = await Promise.allSettled(agents.map((agent) => merge(`flightdeck/${agent}`)));
    const final = (await branchHead(clone, TARGET))!;
    expect(results.some((result) => result.status === 'fulfilled')).toBe(true);
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') {
        expect(result.value.merged).toBe(true);
        expect(await mergeBase(clone, final, `flightdeck/${agents[i]}`)).toBe(await branchHead(clone, `flightdeck/${agents[i]}`));
      } else {
        expect(String(result.reason)).toMatch(/moved while merging/);
      }
    }
  });

  it('fails with what git said on unrelated histories, and names a missing target or source', async () => {
    const orphan = await orphanCommit();
    await expect(merge(orphan)).rejects.toThrow(`${clone} has no branch ${TARGET}`);
    await createBranch(clone, TARGET, head());
    const error = await failure(merge(orphan));
    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toMatch(/^could not merge .* refusing to merge unrelated histories$/s);
    await expect(merge('flightdeck/nobody')).rejects.toThrow(`${clone} has no branch or commit flightdeck/nobody`);
    expect(await branchHead(clone, TARGET)).toBe(head());
  });
});

describe('integration branch: diffBetween, mergeBase', () => {
  it('lists each file with its status and line counts, finds renames, and lists binary files without patching them', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `export const line${i} = ${i};\n`);
    const base = await step('a', head(), writing({ 'lines.ts': lines.join('') }));
    const changed = await step('b', base, async (dir, agentGit) => {
      await agentGit.raw(['mv', 'lines.ts', 'renamed.ts']);
      const edited = [...lines.slice(0, 5), 'export const line5 = 55;\n', ...lines.slice(6), 'export const more = 1;\n'];
      await writeFile(join(dir, 'renamed.ts'), edited.join(''));
      await writeFile(join(dir, 'README.md'), '# Sample\n\nMore.\n');
      await writeFile(join(dir, 'logo.bin'), Buffer.from([0, 1, 2, 0, 255]));
      await writeFile(join(dir, 'notes\tdraft.md'), 'x\n');
      await rm(join(dir, 'src/index.test.ts'));
    });
    const diff = await diffBetween(clone, base, changed);
    expect(diff.files).toEqual([
      { path: 'README.md', status: 'modified', additions: 3, deletions: 1 },
      { path: 'logo.bin', status: 'added', additions: 0, deletions: 0 },
      { path: 'notes\tdraft.md', status: 'added', additions: 1, deletions: 0 },
      { path: 'renamed.ts', status: 'renamed', oldPath: 'lines.ts', additions: 2, deletions: 1 },
      { path: 'src/index.test.ts', status: 'deleted', additions: 0, deletions: 2 },
    ]);
    expect(diff.truncated).toBe(false);
    expect(diff.patch).toContain('rename from lines.ts\nrename to renamed.ts\n');
    expect(diff.patch).toContain('Binary files /dev/null and b/logo.bin differ\n');
    expect(diff.patch).toContain('-export const line5 = 5;\n+export const line5 = 55;\n');
    expect(diff.patch.match(/^diff --git /gm)).toHaveLength(5);
  });

  it('cuts a patch over maxBytes after the last whole file that fits, or mid-file (never mid-character) if none does', async () => {
    const changed = await step('a', head(), writing({ 'A.md': 'é'.repeat(400), 'B.md': 'b\n'.repeat(200), 'C.md': 'c\n' }));
    const full = await diffBetween(clone, head(), changed);
    const starts = [...full.patch.matchAll(/^diff --git /gm)].map((match) => Buffer.byteLength(full.patch.slice(0, match.index)));
    expect(starts).toHaveLength(3);

    const twoFiles = await diffBetween(clone, head(), changed, { maxBytes: starts[2]! + 5 });
    expect(twoFiles.truncated).toBe(true);
    expect(Buffer.byteLength(twoFiles.patch)).toBe(starts[2]);
    expect(full.patch.startsWith(twoFiles.patch)).toBe(true);
    expect(twoFiles.files).toEqual(full.files);

    // The limit falls on the second byte of an é in the first file.
    const firstE = Buffer.from(full.patch).indexOf(Buffer.from('é'));
    const partial = await diffBetween(clone, head(), changed, { maxBytes: firstE + 1 });
    expect(partial.truncated).toBe(true);
    expect(Buffer.byteLength(partial.patch)).toBe(firstE);
    expect(full.patch.startsWith(partial.patch)).toBe(true);

    const exact = await diffBetween(clone, head(), changed, { maxBytes: Buffer.byteLength(full.patch) });
    expect(exact).toEqual({ ...full, truncated: false });
  });

  it('finds the merge base of two steps, and none for unrelated histories', async () => {
    const a = await step('a', origin.commits[1]!.hash, writing({ 'A.md': 'a\n' }));
    const b = await step('b', head(), writing({ 'B.md': 'b\n' }));
    expect(await mergeBase(clone, a, 'flightdeck/b')).toBe(origin.commits[1]!.hash);
    expect(await mergeBase(clone, b, head())).toBe(head());
    const orphan = await orphanCommit();
    expect(await mergeBase(clone, orphan, a)).toBeNull();
    await expect(mergeBase(clone, 'nowhere', a)).rejects.toThrow(`${clone} has no branch or commit nowhere`);
  });
});
