// A run from a shipped runbook over the real sshd: the planner (a built-in agent, scripted model) analyses read-only,
// an invalid plan comes back to it with the problems, a valid one reaches the inbox; a person asks for changes (the
// planner gets the feedback), edits the revision, cannot approve a superseded version, approves the edit; the run
// holds every version, the exact runbook and prompt, and the audit names who approved which plan hash.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import type { PlanVersionInfo, RunInfo, RunPrompt } from '../../common/protocol/runs';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest, type ScriptedResponse } from '../harness/fake-anthropic';
import { makeRepo, type TestRepo } from '../harness/repo';
import { routedTurns } from './agents/routedModel';
import { addAgentHost, readAudit, resultText, toolResults, waitForAgent, waitForInbox, waitForRun } from './agents/agentWorld';
import { withVm } from './fleet/env';

const RUNBOOKS = resolve(import.meta.dirname, '../../runbooks');

const plan = (changes: Partial<Plan> = {}): Plan => ({
  title: 'Add a --verbose flag to the greeter',
  summary: 'The greeter prints more when asked to.',
  analysis: { touchpoints: ['greet.js'], dependencies: [], risks: ['output changes for scripts'] },
  phases: [
    {
      id: 'build',
      title: 'Build',
      estimate_hours: 2,
      steps: [
        { id: 'flag', title: 'Parse --verbose', description: 'Read the flag in greet.js.', role: 'implementer', depends_on: [], checkpoint: false },
        { id: 'docs', title: 'Document the flag', description: 'README section.', role: 'implementer', depends_on: [], checkpoint: false },
      ],
    },
    {
      id: 'verify',
      title: 'Verify',
      estimate_hours: 1,
      steps: [{ id: 'tests', title: 'Test both modes', description: 'Tests for quiet and verbose.', role: 'tester', depends_on: ['flag', 'docs'], checkpoint: true }],
    },
  ],
  impact: { components: ['cli'], breaking_changes: [], testing: ['unit tests'] },
  rollback: ['Revert the merge commit.'],
  questions: [],
  ...changes,
});

const call = (name: string, input: object): ScriptedResponse => ({ content: [{ type: 'tool_use', name, input: input as Record<string, unknown> }] });
const lastResult = (request: RecordedRequest) => toolResults(request.body)[0]!;

describe('runs: a runbook, its planner and the plan as a reviewed gate', () => {
  const vm = withVm();
  let repo: TestRepo;
  let model: FakeAnthropic | undefined;

  beforeEach(async () => {
    repo = await makeRepo([{ message: 'A greeter', files: { 'greet.js': 'console.log("hello");\n', 'README.md': '# greeter\n' } }]);
  });

  afterEach(async () => {
    await model?.close();
    model = undefined;
    await repo.cleanup();
  });

  it('plans read-only, sends bad plans back, takes feedback and edits, and approves only the version reviewed', async () => {
    const seen: Record<string, RecordedRequest> = {};
    // The step agents the approval starts are still busy when the run is paused.
    const busy: ScriptedResponse = { content: [{ type: 'text', text: 'Reading the code. '.repeat(300) }], eventDelayMs: 50 };
    model = await fakeAnthropic(routedTurns({ flag: [busy], docs: [busy], planner: [
      call('run_command', { command: 'touch planner-was-here; echo rc=$?' }),
      (request) => ((seen.touch = request), call('write_file', { path: 'notes.md', content: 'x' })),
      (request) => ((seen.write = request), call('submit_plan', plan({ phases: [{ ...plan().phases[0]!, steps: [{ ...plan().phases[0]!.steps[0]!, role: 'wizard', depends_on: ['nope'] }] }] }))),
      (request) => ((seen.invalid = request), call('submit_plan', plan())),
      (request) => ((seen.feedback = request), call('submit_plan', plan({ summary: 'Revised: docs first.' }))),
      // Stopped by the host right after the approval, the planner may not get to ask again.
      { content: [{ type: 'text', text: 'Planning done.' }] },
    ] }));
    const hostDir = await addAgentHost(vm.world, model);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);

    const listed = await world.cli(['runbook', 'list', 'vm', '--json']);
    expect(listed.stderr).toBe('');
    const names = (JSON.parse(listed.stdout) as { runbooks: { name: string }[] }).runbooks.map((runbook) => runbook.name);
    expect(names).toEqual(expect.arrayContaining(['migrate-api', 'add-feature', 'fix-failing-tests', 'security-patch']));

    const missing = await world.cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('feature');

    const started = await world.cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=a --verbose flag']);
    expect(started.stderr).toBe('');
    const ref = started.stdout.trim();
    expect(ref).toMatch(/^vm\/r-[0-9a-f]+$/);
    const id = ref.slice('vm/'.length);

    const first = await waitForInbox(hostDir, (item) => item.kind === 'plan' && item.run === id);
    expect(first).toMatchObject({ id: `pl-${id}-1`, summary: 'v1: Add a --verbose flag to the greeter', agent: `${id}-planner` });
    // Read-only: the sandbox refuses the write, the gate refuses the writing tool.
    expect(resultText(lastResult(seen.touch!))).toContain('Read-only file system');
    expect(resultText(lastResult(seen.write!))).toMatch(/write_file/);
    expect(lastResult(seen.write!).is_error).toBe(true);
    // The invalid plan came back to the planner with what is wrong.
    const invalid = resultText(lastResult(seen.invalid!));
    expect(lastResult(seen.invalid!).is_error).toBe(true);
    expect(invalid).toContain('wizard');
    expect(invalid).toContain('nope');
    const planner = await waitForAgent(hostDir, `${id}-planner`, (agent) => agent.status === 'waiting-for-human');
    expect(readdirSync(planner.worktree)).not.toContain('planner-was-here');

    const shown = await world.cli(['show', `vm/${first.id}`]);
    expect(shown.stderr).toBe('');
    expect(shown.stdout).toContain('Add a --verbose flag to the greeter');
    expect(shown.stdout).toContain('Test both modes');

    expect((await world.cli(['reject', `vm/${first.id}`, '--feedback', 'Write the docs before the flag.'])).code).toBe(0);
    const second = await waitForInbox(hostDir, (item) => item.id === `pl-${id}-2`);
    expect(resultText(lastResult(seen.feedback!))).toContain('Write the docs before the flag.');

    // A person edits the revision: the docs step comes first.
    const edited = plan({ summary: 'Revised: docs first.' });
    edited.phases[0]!.steps[0]!.depends_on = ['docs'];
    const file = join(hostDir, '..', 'edited-plan.json');
    writeFileSync(file, JSON.stringify(edited));
    const edit = await world.cli(['plan', 'edit', ref, '--file', file, '--note', 'flag after docs']);
    expect(edit.stderr).toBe('');
    expect(edit.code).toBe(0);
    const cyclic = plan();
    cyclic.phases[0]!.steps[0]!.depends_on = ['docs'];
    cyclic.phases[0]!.steps[1]!.depends_on = ['flag'];
    writeFileSync(file, JSON.stringify(cyclic));
    const refused = await world.cli(['plan', 'edit', ref, '--file', file]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/cycle/);

    const stale = await world.cli(['approve', `vm/${second.id}`]);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('v3');
    expect((await world.cli(['approve', `vm/pl-${id}-3`, '--note', 'ship it'])).code).toBe(0);

    // The approved edit is what the coordinator runs: docs first (flag waits for it), tests last.
    const running = await waitForRun(hostDir, id, (run) => run.state === 'running' && run.steps.some((step) => step.state === 'running'));
    expect(running).toMatchObject({ planVersion: 3, approvedVersion: 3, integrationBranch: `flightdeck-run/${id}` });
    expect(running.steps.map((step) => [step.id, step.state, step.dependsOn])).toEqual([
      ['flag', 'pending', ['docs']],
      ['docs', 'running', []],
      ['tests', 'pending', ['flag', 'docs']],
    ]);
    await waitForAgent(hostDir, `${id}-planner`, (agent) => agent.status === 'stopped' || agent.status === 'exited');
    expect((await world.cli(['run', 'pause', ref])).code).toBe(0);
    await waitForAgent(hostDir, `${id}-docs`, (agent) => agent.status === 'stopped');
    const cancelled = await world.cli(['run', 'cancel', ref, '--json']);
    expect(JSON.parse(cancelled.stdout).run.state).toBe('cancelled');

    const detail = await world.cli(['run', 'show', ref, '--json']);
    const { run, plans, prompts } = JSON.parse(detail.stdout) as { run: RunInfo; plans: PlanVersionInfo[]; prompts: RunPrompt[] };
    const runbookText = readFileSync(join(RUNBOOKS, 'add-feature.md'));
    expect(run.runbook).toMatchObject({ name: 'add-feature', source: 'built-in', hash: createHash('sha256').update(runbookText).digest('hex') });
    expect(plans.map((version) => [version.version, version.status, version.author.startsWith('agent:') ? 'planner' : 'person'])).toEqual([
      [1, 'changes-requested', 'planner'],
      [2, 'superseded', 'planner'],
      [3, 'approved', 'person'],
    ]);
    expect(plans[0]!.feedback).toBe('Write the docs before the flag.');
    expect(prompts.map((prompt) => [prompt.role, prompt.step])).toEqual([
      ['planner', null],
      ['implementer', 'docs'],
    ]);
    expect(prompts[0]!.prompt).toContain('a --verbose flag');
    expect(prompts[0]!.prompt).toContain('submit_plan');
    // The prompt recorded is the one the model got.
    expect(JSON.stringify(model.requests[0]!.body!.messages[0])).toContain(JSON.stringify(prompts[0]!.prompt).slice(1, 200));

    const audit = readAudit(hostDir);
    const decisions = audit.filter((row) => row.target === `run:${id}` && row.action.startsWith('plan.'));
    expect(decisions.map((row) => row.action)).toEqual(['plan.submit', 'plan.reject', 'plan.submit', 'plan.edit', 'plan.approve']);
    expect(audit.filter((row) => row.target === `run:${id}` && row.action.startsWith('run.')).map((row) => row.action)).toEqual(['run.start', 'run.pause', 'run.cancel']);
    const approval = decisions.at(-1)!;
    expect(approval.actor).toBe(run.startedBy);
    expect(approval.data).toMatchObject({ version: 3, hash: plans[2]!.hash, note: 'ship it' });
    expect((await world.cli(['audit', 'verify', 'vm'])).code).toBe(0);
  }, 240_000);

  it('survives kill -9 of the daemon while planning and while the plan awaits review; feedback reaches the resumed planner', async () => {
    const feedback = 'Name the risk for scripts that parse the output.';
    const lastUserText = (request: RecordedRequest) => JSON.stringify(request.body!.messages.at(-1));
    const busy: ScriptedResponse = { content: [{ type: 'text', text: 'Reading the code. '.repeat(300) }], eventDelayMs: 50 };
    model = await fakeAnthropic(routedTurns({ flag: [busy], docs: [busy], planner: [
      // Streams slowly: the daemon dies while this turn is under way.
      { content: [{ type: 'text', text: 'Looking around the repository. '.repeat(40) }], eventDelayMs: 100 },
      call('submit_plan', plan()),
      (request) => {
        expect(resultText(lastResult(request))).toMatch(/interrupted/i);
        return { content: [{ type: 'text', text: 'Waiting for the review.' }] };
      },
      (request) => {
        expect(lastUserText(request)).toContain(feedback);
        return call('submit_plan', plan({ analysis: { ...plan().analysis, risks: ['scripts parsing the output break'] } }));
      },
      { content: [{ type: 'text', text: 'Planning done.' }] },
    ] }));
    const hostDir = await addAgentHost(vm.world, model);
    const { world } = vm;
    const killDaemon = () => process.kill(Number(readFileSync(join(hostDir, 'daemon.pid'), 'utf8')), 'SIGKILL');
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    const started = await world.cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=verbose output']);
    expect(started.code).toBe(0);
    const id = started.stdout.trim().slice('vm/'.length);

    await model.receivedRequests(1);
    killDaemon();
    // The next daemon (started by this bridge) resumes the planner, which submits its plan.
    const first = await waitForInbox(hostDir, (item) => item.id === `pl-${id}-1`, 120_000);
    expect(first.kind).toBe('plan');

    await waitForAgent(hostDir, `${id}-planner`, (agent) => agent.status === 'waiting-for-human');
    killDaemon();
    const listed = await world.cli(['inbox', 'vm', '--json']);
    expect(listed.stderr).toBe('');
    expect((JSON.parse(listed.stdout) as { items: { id: string }[] }).items.map((item) => item.id)).toContain(first.id);
    // Its wait died with the daemon: the rejection queues the feedback and resumes the planner.
    expect((await world.cli(['reject', `vm/${first.id}`, '--feedback', feedback])).code).toBe(0);
    const second = await waitForInbox(hostDir, (item) => item.id === `pl-${id}-2`, 120_000);
    expect((await world.cli(['approve', `vm/${second.id}`])).code).toBe(0);
    const run = await waitForRun(hostDir, id, (candidate) => candidate.state === 'running');
    expect(run.approvedVersion).toBe(2);
    const restarts = readAudit(hostDir).filter((row) => row.action === 'agent.resume' && row.target === `agent:${id}-planner`);
    expect(restarts.map((row) => [row.actor, row.outcome])).toEqual([
      ['host', 'ok'],
      [run.startedBy, 'ok'],
    ]);
    expect((await world.cli(['run', 'cancel', `vm/${id}`])).code).toBe(0);
  }, 300_000);
});
