// A run of a shipped runbook to its end over the real sshd, every agent a built-in one on a scripted model: two
// implementers at once and a tester that waits for both; a checkpoint rejected with feedback the agent acts on; a
// merge conflict escalated and resolved by sending the step back; the phase checkpoints; the run done with every
// step merged into its integration branch, and the audit naming who approved what.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import type { InboxItem, RunPrompt } from '../../common/protocol/runs';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest, type ScriptedResponse } from '../harness/fake-anthropic';
import { makeRepo, type TestRepo } from '../harness/repo';
import { addAgentHost, readAudit, resultText, toolResults, waitForInbox, waitForRun } from './agents/agentWorld';
import { routedTurns } from './agents/routedModel';
import { withVm } from './fleet/env';
import { generateKeyPair } from '../harness/sshd';
import { runCli } from './agent-host/fixture';

const PLAN: Plan = {
  title: 'Greet verbosely',
  summary: 'A -v flag for the greeter, documented.',
  analysis: { touchpoints: ['greet.js', 'README.md'], dependencies: [], risks: [] },
  phases: [
    {
      id: 'build',
      title: 'Build',
      estimate_hours: 2,
      steps: [
        { id: 'flag', title: 'Add -v', description: 'greet.js takes -v.', role: 'implementer', depends_on: [], checkpoint: true },
        { id: 'docs', title: 'Document -v', description: 'README says how.', role: 'implementer', depends_on: [], checkpoint: false },
      ],
    },
    {
      id: 'verify',
      title: 'Verify',
      estimate_hours: 1,
      steps: [{ id: 'tests', title: 'Check both', description: 'Run the greeter both ways.', role: 'tester', depends_on: ['flag', 'docs'], checkpoint: false }],
    },
  ],
  impact: { components: ['cli'], breaking_changes: [], testing: ['manual'] },
  rollback: ['Revert the merge.'],
  questions: [],
};

const call = (name: string, input: object): ScriptedResponse => ({ content: [{ type: 'tool_use', name, input: input as Record<string, unknown> }] });
const shell = (command: string) => call('run_command', { command });
const say = (text: string): ScriptedResponse => ({ content: [{ type: 'text', text }] });
const lastResult = (request: RecordedRequest) => resultText(toolResults(request.body)[0]!);
const lastMessage = (request: RecordedRequest) => JSON.stringify(request.body!.messages.at(-1));

/** A promise and the function that settles it: a gate one agent's script waits at until another's opens it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('runs: the coordinator runs the approved plan to its end', () => {
  const vm = withVm();
  let repo: TestRepo;
  let model: FakeAnthropic | undefined;

  beforeEach(async () => {
    repo = await makeRepo([{ message: 'A greeter', files: { 'greet.js': 'console.log("hello");\n', 'README.md': 'greeter\n' } }]);
  });

  afterEach(async () => {
    await model?.close();
    model = undefined;
    await repo.cleanup();
  });

  it('runs steps in parallel as dependencies allow, with checkpoints, feedback, an escalated conflict, and ends done', async () => {
    const docsStarted = gate();
    const seen: Record<string, string> = {};
    model = await fakeAnthropic(
      routedTurns({
        planner: [call('submit_plan', PLAN), say('Planned.')],
        flag: [
          // Waits until docs has asked the model too: both implementers run at once, or this never answers.
          async () => (await docsStarted.opened, shell('printf "hello, flag\\n" > README.md && git commit -qam "flag: greet verbosely" && echo committed')),
          () => call('checkpoint', { summary: 'greet.js takes -v', tests_run: ['node greet.js -v'] }),
          (request) => ((seen.rejected = lastResult(request)), shell('printf \'console.log(process.argv.includes("-v") ? "hello, verbosely" : "hello");\\n\' > greet.js && git commit -qam "flag: handle -v" && echo reworked')),
          () => call('checkpoint', { summary: 'greet.js handles -v', tests_run: ['node greet.js -v'] }),
          (request) => ((seen.approved = lastResult(request)), say('Step done.')),
          (request) => {
            // Sent back after the conflict: the message names the integration head to merge.
            const head = /git merge ([0-9a-f]{40})/.exec(lastMessage(request))?.[1];
            seen.conflictMessage = lastMessage(request);
            return shell(`git merge ${head} >/dev/null 2>&1; printf "hello, flag and docs\\n" > README.md && git add README.md && git commit -qm "flag: merge the integration branch" && echo resolved`);
          },
          (request) => ((seen.resolved = lastResult(request)), say('Conflict resolved.')),
        ],
        docs: [
          () => (docsStarted.open(), shell('printf "hello, docs\\n" > README.md && git commit -qam "docs: README" && echo committed')),
          say('Docs done.'),
        ],
        tests: [shell('cat README.md; node greet.js -v'), (request) => ((seen.tester = lastResult(request)), say('Both modes work.'))],
      }),
    );
    const hostDir = await addAgentHost(vm.world, model);
    const { world, sshd } = vm;
    const decide = async (args: string[]) => {
      const result = await world.cli(args);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    };
    // A wait that times out says where the run was: its steps, the inbox, the daemon's last words.
    const next = async (predicate: (item: InboxItem) => boolean): Promise<InboxItem> => {
      try {
        return await waitForInbox(hostDir, predicate, 120_000);
      } catch (error) {
        const shown = (await world.cli(['run', 'list', 'vm', '--json'])).stdout;
        const inbox = (await world.cli(['inbox', 'vm', '--json'])).stdout;
        const log = readFileSync(join(hostDir, 'daemon.log'), 'utf8').split('\n').slice(-40).join('\n');
        throw new Error(`${String(error)}\nruns: ${shown}\ninbox: ${inbox}\nagents said: ${JSON.stringify(seen)}\ndaemon.log:\n${log}`);
      }
    };
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    const started = await world.cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=greet verbosely']);
    const id = started.stdout.trim().slice('vm/'.length);
    // A person edits the plan before approving it: the edited version is the one that runs.
    await next((item) => item.id === `pl-${id}-1`);
    const edited = structuredClone(PLAN);
    edited.phases[1]!.steps[0]!.title = 'Check both modes';
    const file = join(sshd.dir, 'edited-plan.json');
    writeFileSync(file, JSON.stringify(edited));
    await decide(['plan', 'edit', `vm/${id}`, '--file', file, '--note', 'clearer title']);
    await decide(['approve', `vm/pl-${id}-2`]);

    // flag's own checkpoint: rejected with feedback, which it acts on, then approved.
    const first = await next((item) => item.kind === 'checkpoint' && item.step === 'flag');
    const shown = await world.cli(['show', `vm/${first.id}`]);
    expect(shown.stdout).toContain('greet.js takes -v');
    expect(shown.stdout).toContain('README.md');
    await decide(['reject', `vm/${first.id}`, '--feedback', 'It must also change greet.js.']);
    const second = await next((item) => item.kind === 'checkpoint' && item.step === 'flag' && item.id !== first.id);
    expect(seen.rejected).toContain('It must also change greet.js.');
    await decide(['approve', `vm/${second.id}`, '--note', 'good']);

    // docs merged first; flag's README change conflicts with it.
    const conflict = await next((item) => item.kind === 'escalation' && item.step === 'flag');
    expect(conflict.summary).toContain('conflicts with the integration branch');
    expect(conflict.options![0]).toMatch(/^Send it back/);
    expect(seen.approved).toContain('Approved by');
    expect((await waitForRun(hostDir, id, () => true)).state).toBe('blocked');
    await decide(['answer', `vm/${conflict.id}`, '1']);
    // The merge commit changed the branch after its checkpoint: the step is reviewed again before it is merged.
    const again = await next((item) => item.kind === 'checkpoint' && item.step === 'flag' && ![first.id, second.id].includes(item.id));
    expect(seen.conflictMessage).toContain('README.md');
    await decide(['approve', `vm/${again.id}`]);

    // Phase checkpoint, then the tester, which starts from both implementers' work.
    const phase = await next((item) => item.kind === 'checkpoint' && item.summary.includes('Build'));
    await decide(['approve', `vm/${phase.id}`]);
    const verify = await next((item) => item.kind === 'checkpoint' && item.summary.includes('Verify'));
    expect(seen.tester).toContain('hello, flag and docs');
    expect(seen.tester).toContain('hello, verbosely');
    await decide(['approve', `vm/${verify.id}`]);

    const done = await waitForRun(hostDir, id, (run) => run.state === 'done', 120_000);
    expect(done.steps.map((step) => [step.id, step.state])).toEqual([
      ['flag', 'done'],
      ['docs', 'done'],
      ['tests', 'done'],
    ]);
    const bare = join(hostDir, 'repos', 'app.git');
    const show = (path: string) => execFileSync('git', ['-C', bare, 'show', `${done.integrationBranch}:${path}`], { encoding: 'utf8' });
    expect(show('README.md')).toBe('hello, flag and docs\n');
    expect(show('greet.js')).toContain('hello, verbosely');
    const prompts = JSON.parse((await world.cli(['run', 'show', `vm/${id}`, '--json'])).stdout).prompts as RunPrompt[];
    const testerPrompt = prompts.find((prompt) => prompt.step === 'tests')!.prompt;
    expect(testerPrompt).toContain('- flag (Add -v): greet.js handles -v');
    expect(testerPrompt).toContain('- docs (Document -v)');
    expect(testerPrompt).toContain('"tests" (Check both modes)');

    const audit = readAudit(hostDir);
    const run = audit.filter((row) => row.target === `run:${id}`);
    const person = run.find((row) => row.action === 'run.start')!.actor;
    expect(run.filter((row) => row.action.startsWith('checkpoint.') && row.action !== 'checkpoint.raise').map((row) => [row.action, row.actor, row.data.step ?? row.data.phase])).toEqual([
      ['checkpoint.reject', person, 'flag'],
      ['checkpoint.approve', person, 'flag'],
      ['checkpoint.approve', person, 'flag'],
      ['checkpoint.approve', person, 'build'],
      ['checkpoint.approve', person, 'verify'],
    ]);
    expect(run.filter((row) => row.action === 'step.merge').map((row) => row.data.step)).toEqual(['docs', 'flag', 'tests']);
    expect(run.find((row) => row.action === 'escalation.answer')).toMatchObject({ actor: person, data: { step: 'flag' } });
    expect(run.at(-1)!.action).toBe('run.done');
    expect((await world.cli(['audit', 'verify', 'vm'])).code).toBe(0);
  }, 300_000);

  it('needs two different people, known by their bound SSH keys, to approve a change to protected paths', async () => {
    await repo.cleanup();
    repo = await makeRepo([
      {
        message: 'Login, protected',
        files: { 'auth/login.js': 'export const login = () => true;\n', '.flightdeck/policy.yaml': 'protected_paths: ["auth/**"]\n' },
      },
    ]);
    const plan: Plan = {
      ...PLAN,
      phases: [{ id: 'build', title: 'Build', estimate_hours: 1, steps: [{ ...PLAN.phases[0]!.steps[1]!, id: 'auth', title: 'Harden login', checkpoint: false }] }],
    };
    model = await fakeAnthropic(
      routedTurns({
        planner: [call('submit_plan', plan)],
        auth: [shell('printf "export const login = (user) => Boolean(user);\\n" > auth/login.js && git commit -qam "auth: check the user" && echo committed'), say('Done.')],
      }),
    );
    const hostDir = await addAgentHost(vm.world, model);
    const { world, sshd } = vm;
    // Alice and Bob: each a key the VM's admin bound to the bridge with their name, each a host entry using it.
    for (const name of ['alice', 'bob']) {
      const key = await generateKeyPair(sshd.dir, name);
      const bound = runCli(['identity', 'add', name, '--key', key.publicKey, '--authorized-keys', join(sshd.dir, 'authorized_keys'), '--state-dir', hostDir]);
      expect(bound.stderr).toBe('');
      const added = await world.cli(['host', 'add', `${name}-vm`, '--ssh', 'vm', '--identity', key.privateKeyPath, '--host-dir', hostDir, '--bound']);
      expect(added.stderr).toBe('');
    }
    const refusedUpgrade = await world.cli(['host', 'upgrade', 'alice-vm']);
    expect(refusedUpgrade.stderr).toContain("the VM's admin upgrades agent-host");
    const approve = (host: string, item: string) => world.cli(['approve', `${host}/${item}`]);

    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    const started = await world.cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=harden login']);
    const id = started.stdout.trim().slice('vm/'.length);
    await waitForInbox(hostDir, (item) => item.id === `pl-${id}-1`);
    expect((await approve('vm', `pl-${id}-1`)).code).toBe(0);

    // Not a checkpoint step, but it touched auth/: it is held before the merge.
    const held = await waitForInbox(hostDir, (item) => item.kind === 'checkpoint' && item.step === 'auth', 120_000);
    const detail = (await world.cli(['show', `vm/${held.id}`, '--json'])).stdout;
    expect(JSON.parse(detail).detail.input.protected_paths).toEqual([{ path: 'auth/login.js', rule: 'auth/**' }]);
    const unbound = await approve('vm', held.id);
    expect(unbound.code).not.toBe(0);
    expect(unbound.stderr).toContain('is not bound to a person');
    const first = await approve('alice-vm', held.id);
    expect(first.stdout).toContain('still waits for another reviewer');
    const twice = await approve('alice-vm', held.id);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain('a second reviewer is needed');
    const second = await approve('bob-vm', held.id);
    expect(second.stdout).toContain(': approved');

    // The phase's diff touches auth/ too.
    const phase = await waitForInbox(hostDir, (item) => item.kind === 'checkpoint' && item.summary.includes('Build'), 120_000);
    expect((await approve('bob-vm', phase.id)).stdout).toContain('still waits for another reviewer');
    expect((await approve('alice-vm', phase.id)).code).toBe(0);
    await waitForRun(hostDir, id, (run) => run.state === 'done', 120_000);

    const approvals = readAudit(hostDir).filter((row) => row.action === 'checkpoint.approve' && row.target === `run:${id}`);
    expect(approvals.map((row) => [row.actor, row.data.item, row.data.approvals, row.data.verified])).toEqual([
      ['person:alice', held.id, 1, true],
      ['person:bob', held.id, 2, true],
      ['person:bob', phase.id, 1, true],
      ['person:alice', phase.id, 2, true],
    ]);
    expect((await world.cli(['audit', 'verify', 'vm'])).code).toBe(0);
  }, 300_000);

  it('escalates a step whose agent died with the daemon (kill -9), and restarts it when a person says so', async () => {
    const asked = gate();
    const plan: Plan = { ...PLAN, phases: [{ id: 'build', title: 'Build', estimate_hours: 1, steps: [{ ...PLAN.phases[0]!.steps[1]!, checkpoint: false }] }] };
    model = await fakeAnthropic(
      routedTurns({
        planner: [call('submit_plan', plan)],
        docs: [
          // Streams slowly: the daemon dies while this turn is under way.
          () => (asked.open(), { content: [{ type: 'text', text: 'Reading the README. '.repeat(200) }], eventDelayMs: 100 }),
          shell('printf "hello, docs\\n" > README.md && git commit -qam "docs: README" && echo committed'),
          say('Docs done.'),
        ],
      }),
    );
    const hostDir = await addAgentHost(vm.world, model);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    const started = await world.cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=docs']);
    const id = started.stdout.trim().slice('vm/'.length);
    await waitForInbox(hostDir, (item) => item.id === `pl-${id}-1`);
    expect((await world.cli(['approve', `vm/pl-${id}-1`])).code).toBe(0);
    await asked.opened;
    process.kill(Number(readFileSync(join(hostDir, 'daemon.pid'), 'utf8')), 'SIGKILL');

    // The next daemon (this wait's bridge starts it) finds the step's agent dead: on_agent_crash is escalate.
    const died = await waitForInbox(hostDir, (item) => item.kind === 'escalation' && item.step === 'docs', 120_000);
    expect(died.summary).toBe('The agent of step docs interrupted before the step was done');
    expect(died.options![0]).toMatch(/^Restart/);
    expect((await world.cli(['answer', `vm/${died.id}`, '1'])).code).toBe(0);
    const phase = await waitForInbox(hostDir, (item) => item.kind === 'checkpoint' && item.summary.includes('Build'), 120_000);
    expect((await world.cli(['approve', `vm/${phase.id}`])).code).toBe(0);
    const done = await waitForRun(hostDir, id, (run) => run.state === 'done', 120_000);
    expect(done.steps.map((step) => [step.id, step.state])).toEqual([['docs', 'done']]);
    const bare = join(hostDir, 'repos', 'app.git');
    expect(execFileSync('git', ['-C', bare, 'show', `${done.integrationBranch}:README.md`], { encoding: 'utf8' })).toBe('hello, docs\n');
    const resumes = readAudit(hostDir).filter((row) => row.action === 'agent.resume' && row.target === `agent:${id}-docs`);
    expect(resumes.map((row) => row.outcome)).toEqual(['ok']);
  }, 300_000);

  it('runs again the tests a step says it ran, and escalates when they fail on its branch', async () => {
    await repo.cleanup();
    // check.js passes once fixed.txt exists.
    repo = await makeRepo([{ message: 'A check', files: { 'check.js': 'process.exit(require("fs").existsSync("fixed.txt") ? 0 : 1);\n', 'README.md': 'app\n' } }]);
    const plan: Plan = { ...PLAN, phases: [{ id: 'build', title: 'Build', estimate_hours: 1, steps: [{ ...PLAN.phases[0]!.steps[1]!, id: 'fix', title: 'Fix the check' }] }] };
    const seen: Record<string, string> = {};
    model = await fakeAnthropic(
      routedTurns({
        planner: [call('submit_plan', plan)],
        fix: [
          shell('printf "wip\\n" > notes.txt && git add notes.txt && git commit -qm "fix: notes" && echo committed'),
          call('checkpoint', { summary: 'The check passes', tests_run: ['node check.js'] }),
          say('Done.'),
          (request) => ((seen.sentBack = lastMessage(request)), shell('touch fixed.txt && git add fixed.txt && git commit -qm "fix: really" && echo committed')),
          say('Fixed for real.'),
        ],
      }),
    );
    const hostDir = await addAgentHost(vm.world, model);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    const started = await world.cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=fix']);
    const id = started.stdout.trim().slice('vm/'.length);
    await waitForInbox(hostDir, (item) => item.id === `pl-${id}-1`);
    expect((await world.cli(['approve', `vm/pl-${id}-1`])).code).toBe(0);
    const checkpoint = await waitForInbox(hostDir, (item) => item.kind === 'checkpoint' && item.step === 'fix', 120_000);
    expect((await world.cli(['approve', `vm/${checkpoint.id}`])).code).toBe(0);

    const failing = await waitForInbox(hostDir, (item) => item.kind === 'escalation' && item.step === 'fix', 120_000);
    expect(failing.summary).toBe('Step fix says it ran `node check.js`, which fails on its branch');
    expect((await world.cli(['answer', `vm/${failing.id}`, '1'])).code).toBe(0);
    const phase = await waitForInbox(hostDir, (item) => item.kind === 'checkpoint' && item.summary.includes('Build'), 120_000);
    expect(seen.sentBack).toContain('node check.js');
    expect((await world.cli(['approve', `vm/${phase.id}`])).code).toBe(0);
    await waitForRun(hostDir, id, (run) => run.state === 'done', 120_000);
    const verified = readAudit(hostDir).filter((row) => row.action === 'step.verify' && row.target === `run:${id}`);
    expect(verified.map((row) => [row.outcome, row.data.failed])).toEqual([
      ['error', 'node check.js'],
      ['ok', null],
    ]);
  }, 300_000);
});
