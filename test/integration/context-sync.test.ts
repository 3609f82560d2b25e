// A finished run's context and the host's audit synced into a repository through the real CLI: exactly the files of
// the contract on the context branch, the user's working tree untouched, `audit verify --repo` without any host
// (and failing after an edit, a truncation, a reordering), a second sync with nothing new, a sync killed at each
// stage then re-run, and two laptops pushing at once.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import type { InboxItem } from '../../common/protocol/runs';
import { fakeAnthropic, type FakeAnthropic, type ScriptedResponse } from '../harness/fake-anthropic';
import { makeRepo, type TestRepo } from '../harness/repo';
import { addAgentHost, waitForInbox, waitForRun } from './agents/agentWorld';
import { routedTurns } from './agents/routedModel';
import { CLI_BUNDLE, makeWorld, withVm, type FleetWorld } from './fleet/env';

const PLAN: Plan = {
  title: 'Add a flag file',
  summary: 'One file, reviewed.',
  analysis: { touchpoints: ['flag.txt'], dependencies: [], risks: [] },
  phases: [{ id: 'build', title: 'Build', estimate_hours: 1, steps: [{ id: 'flag', title: 'Add flag.txt', description: 'Write it.', role: 'implementer', depends_on: [], checkpoint: true }] }],
  impact: { components: [], breaking_changes: [], testing: [] },
  rollback: ['Revert the merge.'],
  questions: [],
};

const call = (name: string, input: object): ScriptedResponse => ({ content: [{ type: 'tool_use', name, input: input as Record<string, unknown> }] });
const shell = (command: string) => call('run_command', { command });
const say = (text: string): ScriptedResponse => ({ content: [{ type: 'text', text }] });

const git = (dir: string) => simpleGit(dir);
const BRANCH = 'flightdeck/context';

async function filesOn(dir: string, ref: string): Promise<string[]> {
  return (await git(dir).raw(['ls-tree', '-r', '--name-only', ref])).trim().split('\n').filter(Boolean).sort();
}

async function cloneOf(source: string, into: string, bare = false): Promise<string> {
  await git(tmpdir()).raw(['clone', '--quiet', ...(bare ? ['--bare'] : []), source, into]);
  return into;
}

/** A commit on `branch` of `dir` whose file `path` is replaced by `edit(text)`, by plumbing (the working tree stays). */
async function tamper(dir: string, branch: string, path: string, edit: (text: string) => string): Promise<void> {
  const repo = git(dir);
  const text = await repo.raw(['show', `${branch}:${path}`]);
  const file = join(dir, '.git', 'tampered');
  await writeFile(file, edit(text));
  const blob = (await repo.raw(['hash-object', '-w', file])).trim();
  const index = join(dir, '.git', 'tamper-index');
  // Only what git needs: simple-git refuses to pass on variables like EDITOR.
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, GIT_INDEX_FILE: index };
  const indexed = simpleGit(dir).env(env);
  await indexed.raw(['read-tree', branch]);
  await indexed.raw(['update-index', '--cacheinfo', `100644,${blob},${path}`]);
  const tree = (await indexed.raw(['write-tree'])).trim();
  const commit = (await simpleGit(dir).env({ ...env, GIT_AUTHOR_NAME: 'x', GIT_AUTHOR_EMAIL: 'x@x', GIT_COMMITTER_NAME: 'x', GIT_COMMITTER_EMAIL: 'x@x' }).raw(['commit-tree', tree, '-p', branch, '-m', 'tampered'])).trim();
  await repo.raw(['update-ref', `refs/heads/${branch}`, commit]);
}

/** The CLI killed with SIGKILL as soon as it reports `stage` on stderr; resolves with how it ended. */
function syncKilledAt(world: FleetWorld, args: string[], stage: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BUNDLE, ...args], { env: world.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes(`context sync: ${stage}`)) child.kill('SIGKILL');
    });
    child.once('error', reject);
    child.once('close', (_code, signal) => resolve({ signal, stderr }));
  });
}

describe('context sync: a finished run and the audit into the repository', () => {
  const vm = withVm();
  let repo: TestRepo;
  let model: FakeAnthropic | undefined;
  let scratch: string;

  beforeEach(async () => {
    repo = await makeRepo([{ message: 'Start', files: { 'README.md': 'app\n' } }]);
    scratch = await mkdtemp(join(tmpdir(), 'fd-context-sync-'));
  });

  afterEach(async () => {
    await model?.close();
    model = undefined;
    await repo.cleanup();
    await rm(scratch, { recursive: true, force: true });
  });

  /**
   * One run to its end: the plan approved, the step's checkpoint rejected with feedback then approved, the phase
   * approved; then its retrospective's learning accepted.
   */
  async function finishedRun(): Promise<{ hostDir: string; id: string }> {
    model = await fakeAnthropic(
      routedTurns({
        planner: [call('submit_plan', PLAN), say('Planned.')],
        flag: [
          shell('echo flag > flag.txt && git add flag.txt && git commit -qm "flag" && echo ok'),
          call('checkpoint', { summary: 'flag.txt added', tests_run: [] }),
          shell('echo "flag, final" > flag.txt && git commit -qam "flag: final" && echo ok'),
          call('checkpoint', { summary: 'flag.txt final', tests_run: [] }),
          say('Done.'),
        ],
        // The rejected checkpoint is evidence: the retrospective proposes a learning, which a person accepts.
        retro: [call('propose_learnings', { learnings: [{ text: 'Say when a change is final.', applies_to: 'repo' }] }), say('Proposed.')],
      }),
    );
    const { world } = vm;
    const hostDir = await addAgentHost(world, model);
    const decide = async (args: string[]) => expect((await world.cli(args)).code).toBe(0);
    const next = (predicate: (item: InboxItem) => boolean) => waitForInbox(hostDir, predicate, 120_000);
    await decide(['repo', 'add', 'vm', 'app', repo.dir]);
    const id = (await world.cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=a flag'])).stdout.trim().slice('vm/'.length);
    await next((item) => item.id === `pl-${id}-1`);
    await decide(['approve', `vm/pl-${id}-1`]);
    const first = await next((item) => item.kind === 'checkpoint' && item.step === 'flag');
    await decide(['reject', `vm/${first.id}`, '--feedback', 'Say it is final.']);
    const second = await next((item) => item.kind === 'checkpoint' && item.step === 'flag' && item.id !== first.id);
    await decide(['approve', `vm/${second.id}`]);
    const phase = await next((item) => item.kind === 'checkpoint' && item.step === null);
    await decide(['approve', `vm/${phase.id}`]);
    await waitForRun(hostDir, id, (run) => run.state === 'done', 120_000);
    const learnings = await next((item) => item.kind === 'learnings');
    await decide(['approve', `vm/${learnings.id}`]);
    return { hostDir, id };
  }

  it('writes exactly the contract, leaves the working tree alone, verifies without a host, and syncs nothing twice', async () => {
    const { hostDir, id } = await finishedRun();
    const { world } = vm;
    await writeFile(join(repo.dir, 'README.md'), 'a change of mine, not committed\n');
    const statusBefore = await git(repo.dir).raw(['status', '--porcelain']);
    const headBefore = await git(repo.dir).revparse(['HEAD']);

    const synced = await world.cli(['context', 'sync', '--repo', repo.dir]);
    expect(synced.code).toBe(0);
    expect(synced.stderr).toMatch(/^vm: \+\d+ audit record\(s\)/m);
    expect(synced.stdout).toMatch(new RegExp(`^${BRANCH}: [0-9a-f]{40} `));
    const files = await filesOn(repo.dir, BRANCH);
    const day = files.filter((path) => path.startsWith('.flightdeck/audit/vm/') && path.endsWith('.jsonl'));
    expect(day.length).toBeGreaterThan(0);
    const run = `.flightdeck/runs/${id}`;
    expect(files).toEqual(
      [
        '.flightdeck/context/decisions.md',
        '.flightdeck/context/learnings.md',
        '.flightdeck/audit/vm/heads.json',
        ...day,
        `${run}/plan.md`,
        `${run}/plan.json`,
        `${run}/prompts/runbook.md`,
        `${run}/prompts/${id}-planner.md`,
        `${run}/prompts/${id}-flag.md`,
        `${run}/prompts/${id}-retro.md`,
        `${run}/summary.md`,
        `${run}/checkpoints.jsonl`,
        `${run}/cost.json`,
      ].sort(),
    );
    const show = (path: string) => git(repo.dir).raw(['show', `${BRANCH}:${path}`]);
    expect(await show(`${run}/prompts/runbook.md`)).toContain('name: add-feature');
    expect(await show(`${run}/checkpoints.jsonl`)).toContain('Say it is final.');
    expect(await show('.flightdeck/context/decisions.md')).toContain('Say it is final.');
    expect(await show('.flightdeck/context/learnings.md')).toContain('Say when a change is final.');
    expect(await show(`${run}/summary.md`)).toContain(`- Run: ${id} · done`);
    // The run's integration branch on the host carries its own record and AGENTS.md's managed block.
    const bare = join(hostDir, 'repos', 'app.git');
    expect(await git(bare).raw(['show', `flightdeck-run/${id}:${run}/summary.md`])).toContain('· done');
    expect(await git(bare).raw(['show', `flightdeck-run/${id}:AGENTS.md`])).toContain('<!-- flightdeck:begin');
    // The person's own work: exactly as it was.
    expect(await git(repo.dir).raw(['status', '--porcelain'])).toBe(statusBefore);
    expect(await git(repo.dir).revparse(['HEAD'])).toBe(headBefore);

    const verified = await world.cli(['audit', 'verify', '--repo', repo.dir]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('chain intact');

    const head = await git(repo.dir).revparse([BRANCH]);
    const again = await world.cli(['context', 'sync', '--repo', repo.dir, '--offline']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing new');
    expect(await git(repo.dir).revparse([BRANCH])).toBe(head);

    // Any edit, truncation or reordering of a synced file: verify fails, naming where.
    const target = day.at(-1)!;
    const cases: [string, (text: string) => string][] = [
      ['edit', (text) => text.replace(/"action":"[a-z.]+"/, '"action":"nothing.happened"')],
      ['truncation', (text) => text.split('\n').slice(0, -2).join('\n') + '\n'],
      ['reordering', (text) => {
        const lines = text.trimEnd().split('\n');
        [lines[0], lines[1]] = [lines[1]!, lines[0]!];
        return `${lines.join('\n')}\n`;
      }],
    ];
    for (const [what, edit] of cases) {
      const copy = await cloneOf(repo.dir, join(scratch, `tampered-${what}`));
      await git(copy).raw(['branch', BRANCH, `origin/${BRANCH}`]);
      await tamper(copy, BRANCH, target, edit);
      const broken = await world.cli(['audit', 'verify', '--repo', copy]);
      expect(broken.code, `${what}: ${broken.stdout}`).toBe(1);
      expect(broken.stdout).toContain('chain BROKEN');
      expect(broken.stdout).toContain(target);
    }
  }, 300_000);

  it('leaves one consistent commit when killed at any stage, and two laptops pushing at once lose nothing', async () => {
    const { world } = vm;
    await finishedRun();
    // The reference: what a sync that is never interrupted writes from this cache.
    expect((await world.cli(['context', 'sync', '--repo', repo.dir])).code).toBe(0);
    const tree = (await git(repo.dir).raw(['rev-parse', `${BRANCH}^{tree}`])).trim();

    for (const stage of ['merged', 'objects-written', 'committed']) {
      const target = await cloneOf(repo.dir, join(scratch, `killed-${stage}`));
      const killed = await syncKilledAt(world, ['context', 'sync', '--repo', target, '--offline'], stage);
      // Killed, or done before the signal landed: either way the branch is absent or a whole commit.
      const partial = await git(target).raw(['rev-parse', '--verify', '--quiet', BRANCH]).catch(() => '');
      if (partial.trim()) expect((await git(target).raw(['rev-parse', `${BRANCH}^{tree}`])).trim(), `${stage}: ${killed.stderr}`).toBe(tree);
      const rerun = await world.cli(['context', 'sync', '--repo', target, '--offline']);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect((await git(target).raw(['rev-list', '--count', BRANCH])).trim()).toBe('1');
      expect((await git(target).raw(['rev-parse', `${BRANCH}^{tree}`])).trim()).toBe(tree);
      expect((await world.cli(['audit', 'verify', '--repo', target])).code).toBe(0);
      expect(await git(target).raw(['fsck', '--no-progress', '--no-dangling', '--connectivity-only'])).toBe('');
    }

    // Two laptops: the second has mirrored the host later (more records) and knows a second host; both push at once.
    const remote = await cloneOf(repo.dir, join(scratch, 'remote.git'), true);
    const laptopA = await cloneOf(remote, join(scratch, 'laptop-a'));
    const laptopB = await cloneOf(remote, join(scratch, 'laptop-b'));
    const other = await makeWorld();
    try {
      await copyFile(world.sshConfigPath, other.sshConfigPath);
      await copyFile(world.knownHostsPath, other.knownHostsPath);
      expect((await other.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', join(world.dir, 'vm', 'vm')], { timeoutMs: 120_000 })).code).toBe(0);
      expect((await other.cli(['host', 'add', 'vm2', '--ssh', 'vm', '--host-dir', other.hostDir('vm2')], { timeoutMs: 120_000 })).code).toBe(0);
      expect((await other.cli(['session', 'start', 'vm2', '--', 'true'])).code).toBe(0);
      expect((await world.cli(['context', 'sync', '--repo', laptopA, '--host-repo', 'app'])).code).toBe(0);
      // New audit records on the host that only laptop B will have mirrored.
      expect((await world.cli(['session', 'start', 'vm', '--', 'true'])).code).toBe(0);
      expect((await other.cli(['context', 'sync', '--repo', laptopB, '--host-repo', 'app'])).code).toBe(0);
      const heads = (name: string, dir: string) => git(dir).raw(['show', `${BRANCH}:.flightdeck/audit/${name}/heads.json`]).then((text) => JSON.parse(text) as { files: Record<string, { last: number }> });
      const lastOf = async (dir: string) => Math.max(...Object.values((await heads('vm', dir)).files).map((file) => file.last));
      const [lastA, lastB] = [await lastOf(laptopA), await lastOf(laptopB)];
      expect(lastB).toBeGreaterThan(lastA);
      const [a, b] = await Promise.all([
        world.cli(['context', 'sync', '--repo', laptopA, '--push', '--offline', '--host-repo', 'app']),
        other.cli(['context', 'sync', '--repo', laptopB, '--push', '--offline', '--host-repo', 'app']),
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const onRemote = await filesOn(remote, BRANCH);
      expect(onRemote).toContain('.flightdeck/audit/vm2/heads.json');
      expect(await lastOf(remote)).toBe(lastB);
      expect(onRemote.filter((path) => path.startsWith('.flightdeck/runs/'))).toEqual((await filesOn(laptopB, BRANCH)).filter((path) => path.startsWith('.flightdeck/runs/')));
      const fresh = await cloneOf(remote, join(scratch, 'fresh'));
      expect((await world.cli(['audit', 'verify', '--repo', fresh, '--ref', `origin/${BRANCH}`])).code).toBe(0);
    } finally {
      await other.cleanup();
    }
  }, 400_000);
});
