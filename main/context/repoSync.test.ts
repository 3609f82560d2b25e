import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEntries } from '../../common/context/entries';
import { auditLine } from './contextTree';
import { type SyncStage, syncContext } from './repoSync';
import { branchFiles, chain, commitOnBranch, host, item, personsClone, run, type Scratch, scratch, source, testEnv, testGit } from './testing/contextFixtures';
import { ContextSyncConflict } from './treeMerge';
import { verifyRepoAudit } from './verifyRepo';

const BRANCH = 'refs/heads/flightdeck/context';
let tmp: Scratch;

beforeEach(async () => {
  tmp = await scratch();
});
afterEach(async () => {
  await tmp.cleanup();
});

async function personsRepo() {
  const dir = join(tmp.dir, 'app');
  await mkdir(dir);
  return { dir, git: await personsClone(dir) };
}

/** A bare "remote" and clones of it, as two laptops have. */
async function team(...names: string[]) {
  const remote = join(tmp.dir, 'remote.git');
  await testGit(tmp.dir).raw(['init', '--bare', '--initial-branch=main', remote]);
  const clones = await Promise.all(
    names.map(async (name) => {
      const dir = join(tmp.dir, name);
      await testGit(tmp.dir).raw(['clone', '-q', remote, dir]);
      return dir;
    }),
  );
  return { remote, clones };
}

describe('syncContext', () => {
  it('writes exactly the context files in one commit, leaving the working tree, index and HEAD as they were', async () => {
    const { dir, git } = await personsRepo();
    const status = await git.raw(['status', '--porcelain=v1', '--untracked-files=all']);
    const index = await readFile(join(dir, '.git/index'));
    const head = await git.raw(['rev-parse', 'HEAD']);
    const vm1 = chain(30);
    const stages: SyncStage[] = [];
    const result = await syncContext({
      repoPath: join(dir),
      source: source([host('vm1', vm1), host('vm2', chain(3))], [run('r-aaa111', { items: [item('ck-1', { status: 'approved', decidedBy: 'person:bob', decidedAt: Date.UTC(2026, 11, 2) })] })]),
      onProgress: (stage) => stages.push(stage),
    });

    expect(await readFile(join(dir, '.git/index'))).toEqual(index);
    expect(await git.raw(['status', '--porcelain=v1', '--untracked-files=all'])).toBe(status);
    expect(status).toContain(' M README.md');
    expect(await git.raw(['rev-parse', 'HEAD'])).toBe(head);
    expect(await git.raw(['symbolic-ref', 'HEAD'])).toBe('refs/heads/main\n');
    expect((await readdir(dir)).sort()).toEqual(['.git', 'README.md', 'a.txt', 'new.txt']);

    const expected = [
      '.flightdeck/audit/vm1/2026-12-01.jsonl',
      '.flightdeck/audit/vm1/2026-12-02.jsonl',
      '.flightdeck/audit/vm1/2026-12-03.jsonl',
      '.flightdeck/audit/vm1/heads.json',
      '.flightdeck/audit/vm2/2026-12-01.jsonl',
      '.flightdeck/audit/vm2/2026-12-02.jsonl',
      '.flightdeck/audit/vm2/heads.json',
      '.flightdeck/context/decisions.md',
      '.flightdeck/context/learnings.md',
      '.flightdeck/runs/r-aaa111/checkpoints.jsonl',
      '.flightdeck/runs/r-aaa111/cost.json',
      '.flightdeck/runs/r-aaa111/plan.json',
      '.flightdeck/runs/r-aaa111/plan.md',
      '.flightdeck/runs/r-aaa111/prompts/r-aaa111-planner.md',
      '.flightdeck/runs/r-aaa111/prompts/runbook.md',
      '.flightdeck/runs/r-aaa111/summary.md',
    ];
    expect(result).toMatchObject({ branch: 'flightdeck/context', previous: null, files: expected, auditRecords: { vm1: 30, vm2: 3 }, runs: 1, pushed: false });
    expect(result.head).toBe(result.commit);
    expect(stages).toEqual(['merged', 'objects-written', 'committed']);
    const files = await branchFiles(git, BRANCH);
    expect([...files.keys()]).toEqual(expected);
    expect(files.get('.flightdeck/audit/vm1/2026-12-02.jsonl')).toBe(vm1.slice(1, 25).map((record) => `${auditLine(record)}\n`).join(''));
    expect(JSON.parse(files.get('.flightdeck/audit/vm1/heads.json')!)).toEqual({
      hostId: 'id-vm1',
      files: { '2026-12-01.jsonl': { first: 1, last: 1, head: vm1[0]!.hash }, '2026-12-02.jsonl': { first: 2, last: 25, head: vm1[24]!.hash }, '2026-12-03.jsonl': { first: 26, last: 30, head: vm1[29]!.hash } },
    });
    expect(parseEntries(files.get('.flightdeck/context/decisions.md')!).entries.map((entry) => entry.id)).toEqual(['r-aaa111/plan-v1', 'r-aaa111/plan-v2', 'r-aaa111/ck-1']);
    expect(await git.raw(['log', '--format=%an <%ae>|%cn|%P|%s', BRANCH])).toBe('Flightdeck <flightdeck@localhost>|Flightdeck||Flightdeck context: 33 audit records from 2 hosts, 1 run\n');
  });

  it('changes nothing on a second sync with nothing new, and appends to the newest files when there is', async () => {
    const { dir, git } = await personsRepo();
    const options = { repoPath: dir, source: source([host('vm1', chain(30))], [run('r-aaa111')]) };
    const first = await syncContext(options);
    const again = await syncContext(options);
    expect(again).toMatchObject({ commit: null, previous: first.commit, head: first.commit, files: [] });
    expect((await git.raw(['rev-list', '--count', BRANCH])).trim()).toBe('1');

    // A run's prompts change without its updatedAt: the app's fresher view still wins.
    const moved = run('r-aaa111');
    moved.prompts.push({ agent: 'r-aaa111-flag', role: 'implementer', step: 'flag', prompt: 'Add the flag.', at: moved.run.updatedAt });
    const more = await syncContext({ ...options, source: source([host('vm1', chain(33))], [moved]) });
    expect(more.files).toEqual(['.flightdeck/audit/vm1/2026-12-03.jsonl', '.flightdeck/audit/vm1/heads.json', '.flightdeck/runs/r-aaa111/prompts/r-aaa111-flag.md']);
    expect((await git.raw(['rev-parse', `${more.commit}^`])).trim()).toBe(first.commit);
  });

  it("keeps files someone added on the branch and a person's note inside a decision", async () => {
    const { dir, git } = await personsRepo();
    const runs = [run('r-aaa111')];
    await syncContext({ repoPath: dir, source: source([host('vm1', chain(5))], runs) });
    const decisions = (await branchFiles(git, BRANCH)).get('.flightdeck/context/decisions.md')!;
    const annotated = decisions.replace('> Split the docs out', '> Split the docs out\n\nBob: agreed, see ADR-7.');
    await commitOnBranch(git, 'flightdeck/context', { '.flightdeck/notes.md': '# Our notes\n', '.flightdeck/context/decisions.md': annotated, '.flightdeck/runs/r-aaa111/review.md': 'LGTM\n' });

    const result = await syncContext({ repoPath: dir, source: source([host('vm1', chain(8))], [...runs, run('r-bbb222')]) });
    const files = await branchFiles(git, BRANCH);
    expect(files.get('.flightdeck/notes.md')).toBe('# Our notes\n');
    expect(files.get('.flightdeck/runs/r-aaa111/review.md')).toBe('LGTM\n');
    expect(files.get('.flightdeck/context/decisions.md')).toContain('Bob: agreed, see ADR-7.');
    expect(files.get('.flightdeck/context/decisions.md')).toContain('r-bbb222/plan-v2');
    expect(result.files).toContain('.flightdeck/runs/r-bbb222/plan.json');
    expect((await verifyRepoAudit({ repoPath: dir })).ok).toBe(true);
  });

  it('puts a record moved on the branch back in its own day file, and drops a day file left empty', async () => {
    const { dir, git } = await personsRepo();
    const options = { repoPath: dir, source: source([host('vm1', chain(30))]) };
    await syncContext(options);
    const files = await branchFiles(git, BRANCH);
    const day1 = '.flightdeck/audit/vm1/2026-12-01.jsonl';
    const day2 = '.flightdeck/audit/vm1/2026-12-02.jsonl';
    const [moved, ...rest] = files.get(day2)!.split('\n');
    await commitOnBranch(git, 'flightdeck/context', { [day1]: `${files.get(day1)}${moved}\n`, [day2]: rest.join('\n'), '.flightdeck/audit/vm1/2025-01-01.jsonl': '' });
    expect((await verifyRepoAudit({ repoPath: dir })).ok).toBe(false);

    const result = await syncContext(options);
    expect(result.files).toEqual(['.flightdeck/audit/vm1/2025-01-01.jsonl', day1, day2]);
    expect(await branchFiles(git, BRANCH)).toEqual(files);
    expect((await verifyRepoAudit({ repoPath: dir })).ok).toBe(true);
  });

  it('works in a bare repository and from a subdirectory of a clone', async () => {
    const { remote, clones } = await team('laptop');
    const bare = await syncContext({ repoPath: remote, source: source([host('vm1', chain(4))]) });
    expect(bare.commit).toMatch(/^[0-9a-f]{40}$/);
    const sub = join(clones[0]!, 'src');
    await mkdir(sub);
    const fromSub = await syncContext({ repoPath: sub, source: source([host('vm1', chain(4))]) });
    expect([...(await branchFiles(testGit(clones[0]!), BRANCH)).keys()]).toContain('.flightdeck/audit/vm1/heads.json');
    expect(fromSub.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('leaves the old ref when it stops after writing objects, and the next sync makes one commit', async () => {
    const { dir, git } = await personsRepo();
    const options = { repoPath: dir, source: source([host('vm1', chain(5))]) };
    const first = await syncContext(options);
    const crashed = syncContext({
      ...options,
      source: source([host('vm1', chain(9))]),
      onProgress: (stage) => {
        if (stage === 'objects-written') throw new Error('crash');
      },
    });
    await expect(crashed).rejects.toThrow('crash');
    expect((await git.raw(['rev-parse', BRANCH])).trim()).toBe(first.commit);
    const next = await syncContext({ ...options, source: source([host('vm1', chain(9))]) });
    expect((await git.raw(['rev-list', '--count', BRANCH])).trim()).toBe('2');
    expect(next.previous).toBe(first.commit);
  });

  it('two syncs of one repository at the same time both land (the ref moves by compare-and-swap)', async () => {
    const { dir, git } = await personsRepo();
    const results = await Promise.all([syncContext({ repoPath: dir, source: source([host('vm1', chain(3))]) }), syncContext({ repoPath: dir, source: source([host('vm2', chain(4))]) })]);
    const head = (await git.raw(['rev-parse', BRANCH])).trim();
    expect(results.map((result) => result.head)).toContain(head);
    const paths = [...(await branchFiles(git, BRANCH)).keys()];
    expect(paths).toEqual(expect.arrayContaining(['.flightdeck/audit/vm1/heads.json', '.flightdeck/audit/vm2/heads.json']));
  });

  it('refuses a record whose history differs, naming host, file and seq, and writes nothing', async () => {
    const { remote, clones } = await team('a', 'b');
    const shared = chain(5);
    const theirs = [...shared, ...chain(10, { from: 6, after: shared[4] })];
    const ours = [...shared, ...chain(10, { from: 6, after: shared[4], actor: 'person:mallory' })];
    const pushed = await syncContext({ repoPath: clones[0]!, push: true, source: source([host('vm1', theirs)]) });
    const local = testGit(clones[1]!);
    const before = await local.raw(['for-each-ref']);

    const error = await syncContext({ repoPath: clones[1]!, push: true, source: source([host('vm1', ours)]) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContextSyncConflict);
    expect(error).toMatchObject({ host: 'vm1', seq: 6, file: '.flightdeck/audit/vm1/2026-12-02.jsonl' });
    expect((error as Error).message).toContain('record 6');
    expect(await local.raw(['for-each-ref', 'refs/heads'])).toBe(before.split('\n').filter((line) => line.includes('refs/heads')).map((line) => `${line}\n`).join(''));
    expect((await testGit(remote).raw(['rev-parse', BRANCH])).trim()).toBe(pushed.commit);
  });

  it('refuses to move the branch while a worktree has it checked out', async () => {
    const { dir, git } = await personsRepo();
    await syncContext({ repoPath: dir, source: source([host('vm1', chain(2))]) });
    await git.raw(['worktree', 'add', '-q', join(tmp.dir, 'wt'), 'flightdeck/context']);
    await expect(syncContext({ repoPath: dir, source: source([host('vm1', chain(3))]) })).rejects.toThrow(/checked out in .*wt/);
  });
});

describe('two laptops', () => {
  const older = run('r-aaa111', { updatedAt: 1000, items: [item('ck-0', { status: 'approved', decidedBy: 'person:ann', decidedAt: 50 }), item('ck-1')] });
  const newer = run('r-aaa111', { updatedAt: 5000, items: [item('ck-1', { status: 'approved', decidedBy: 'person:bob', decidedAt: 60 }), item('ck-2')] });
  const vm1 = chain(25);
  const laptopA = source([host('vm1', vm1.slice(0, 20)), host('vm2', chain(5))], [older]);
  const laptopB = source([host('vm1', vm1), host('vm3', chain(4))], [newer, run('r-bbb222')]);

  async function expectUnion(remote: string): Promise<void> {
    const files = await branchFiles(testGit(remote), BRANCH);
    const heads = (name: string) => JSON.parse(files.get(`.flightdeck/audit/${name}/heads.json`)!) as { files: Record<string, { last: number }> };
    expect(Math.max(...Object.values(heads('vm1').files).map((day) => day.last))).toBe(25);
    expect(Object.keys(heads('vm2').files)).toHaveLength(2);
    expect(Object.keys(heads('vm3').files)).toHaveLength(2);
    expect(JSON.parse(files.get('.flightdeck/runs/r-aaa111/plan.json')!)).toMatchObject({ updatedAt: 5000 });
    const checkpoints = files.get('.flightdeck/runs/r-aaa111/checkpoints.jsonl')!.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; status: string });
    expect(checkpoints.map(({ id, status }) => `${id} ${status}`).sort()).toEqual(['ck-0 approved', 'ck-1 approved', 'ck-2 open']);
    expect(files.has('.flightdeck/runs/r-bbb222/summary.md')).toBe(true);
    const decided = parseEntries(files.get('.flightdeck/context/decisions.md')!).entries.map((entry) => entry.id);
    expect(decided).toEqual(expect.arrayContaining(['r-aaa111/ck-0', 'r-aaa111/ck-1', 'r-bbb222/plan-v2']));
    const verified = await verifyRepoAudit({ repoPath: remote });
    expect(verified.hosts.map(({ host: name, records, ok }) => ({ name, records, ok }))).toEqual([
      { name: 'vm1', records: 25, ok: true },
      { name: 'vm2', records: 5, ok: true },
      { name: 'vm3', records: 4, ok: true },
    ]);
  }

  it('syncing at the same time with push: the remote holds the union, and syncing again changes nothing', async () => {
    const { remote, clones } = await team('a', 'b');
    const [a, b] = await Promise.all([syncContext({ repoPath: clones[0]!, push: true, source: laptopA }), syncContext({ repoPath: clones[1]!, push: true, source: laptopB })]);
    expect(a.pushed && b.pushed).toBe(true);
    await expectUnion(remote);

    // Each laptop catches up with the remote, then there is nothing left to do.
    for (const [clone, laptop] of [[clones[0]!, laptopA], [clones[1]!, laptopB]] as const) await syncContext({ repoPath: clone, push: true, source: laptop });
    const head = (await testGit(remote).raw(['rev-parse', BRANCH])).trim();
    for (const [clone, laptop] of [[clones[0]!, laptopA], [clones[1]!, laptopB]] as const) {
      expect(await syncContext({ repoPath: clone, push: true, source: laptop })).toMatchObject({ commit: null, head, pushed: false });
    }
  });

  it('a push rejected because a teammate pushed meanwhile is fetched, merged and pushed again', async () => {
    const { remote, clones } = await team('a', 'b');
    await syncContext({ repoPath: clones[1]!, source: laptopB });
    const stages: SyncStage[] = [];
    const result = await syncContext({
      repoPath: clones[0]!,
      push: true,
      source: laptopA,
      onProgress: (stage) => {
        stages.push(stage);
        // The teammate's push lands between this laptop's fetch and its push.
        if (stages.length === 1) execFileSync('git', ['-C', clones[1]!, 'push', '-q', 'origin', `${BRANCH}:${BRANCH}`], { env: testEnv() });
      },
    });
    expect(stages).toEqual(['fetched', 'merged', 'objects-written', 'committed', 'fetched', 'merged', 'objects-written', 'committed', 'pushed']);
    expect(result.pushed).toBe(true);
    expect((await testGit(remote).raw(['rev-list', '--parents', '-n', '1', BRANCH])).trim().split(' ')).toHaveLength(3);
    await expectUnion(remote);
  });
});
