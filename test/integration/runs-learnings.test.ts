// Learnings that grow, over the real sshd with built-in agents on a scripted model: a run whose checkpoint was
// rejected with feedback ends done; its retrospective, resumed after a kill -9 of the daemon, proposes two learnings;
// a person edits one and accepts them with `approve --file`; they land on the run's integration branch (the
// runbook's ## Learnings, the repo's learnings.md); and the planner of the next run on the same host and repo is
// given both.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import type { InboxItem } from '../../common/protocol/runs';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest, type ScriptedResponse } from '../harness/fake-anthropic';
import { makeRepo, type TestRepo } from '../harness/repo';
import { addAgentHost, readAudit, resultText, toolResults, waitForAgent, waitForInbox, waitForRun } from './agents/agentWorld';
import { routedTurns, runAgentOf, taskOf } from './agents/routedModel';
import { withVm } from './fleet/env';

const PLAN: Plan = {
  title: 'Greet verbosely',
  summary: 'A -v flag for the greeter.',
  analysis: { touchpoints: ['greet.js'], dependencies: [], risks: [] },
  phases: [
    {
      id: 'build',
      title: 'Build',
      estimate_hours: 1,
      steps: [{ id: 'flag', title: 'Add -v', description: 'greet.js takes -v.', role: 'implementer', depends_on: [], checkpoint: true }],
    },
  ],
  impact: { components: ['cli'], breaking_changes: [], testing: ['manual'] },
  rollback: ['Revert the merge.'],
  questions: [],
};
const RUNBOOK_LEARNING = 'Run the linter before calling checkpoint.';
const EDITED_LEARNING = 'Run `npm run lint` before every checkpoint, and say so in its summary.';
const REPO_LEARNING = 'The greeter lives in greet.js; keep its output on one line.';

const call = (name: string, input: object): ScriptedResponse => ({ content: [{ type: 'tool_use', name, input: input as Record<string, unknown> }] });
const shell = (command: string) => call('run_command', { command });
const say = (text: string): ScriptedResponse => ({ content: [{ type: 'text', text }] });
const lastResult = (request: RecordedRequest) => resultText(toolResults(request.body)[0]!);
const toolsOf = (request: RecordedRequest) => (request.body!.tools as { name: string }[]).map((tool) => tool.name);
/** The second run's planner has a script of its own: its task names its feature. */
const agentOf = (request: RecordedRequest) => (taskOf(request).includes('- feature = again') ? 'next-planner' : runAgentOf(request));

describe('runs: learnings that grow', () => {
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

  it("proposes learnings at a run's end, a person edits and accepts them onto its branch, and the next run's planner gets them", async () => {
    const seen: Record<string, string> = {};
    let planning!: (task: string) => void;
    const nextPlannerTask = new Promise<string>((resolve) => (planning = resolve));
    let answered!: (result: string) => void;
    const proposed = new Promise<string>((resolve) => (answered = resolve));
    let reading!: () => void;
    const retroReading = new Promise<void>((resolve) => (reading = resolve));
    model = await fakeAnthropic(
      routedTurns(
        {
          planner: [call('submit_plan', PLAN), say('Planned.')],
          flag: [
            (request) => (
              (seen.flagTools = toolsOf(request).join(' ')),
              shell('printf \'console.log(process.argv.includes("-v") ? "hello, verbosely" : "hello");\\n\' > greet.js && git commit -qam "flag: -v" && echo committed')
            ),
            call('checkpoint', { summary: 'greet.js takes -v' }),
            (request) => ((seen.rejected = lastResult(request)), shell('git commit -q --allow-empty -m "flag: linted" && echo linted')),
            call('checkpoint', { summary: 'greet.js takes -v, linted' }),
            say('Step done.'),
          ],
          retro: [
            // Streams slowly: the daemon dies while this turn is under way, and the resumed agent asks again.
            () => (reading(), { content: [{ type: 'text', text: 'Reading the evidence. '.repeat(200) }], eventDelayMs: 100 }),
            (request) => (
              (seen.retroTask = taskOf(request)),
              (seen.retroTools = toolsOf(request).join(' ')),
              call('propose_learnings', {
                learnings: [
                  { text: RUNBOOK_LEARNING, applies_to: 'runbook', evidence: 'The checkpoint of step flag was rejected: the linter failed.' },
                  { text: REPO_LEARNING, applies_to: 'repo' },
                ],
              })
            ),
            (request) => (answered(lastResult(request)), say('Proposed.')),
          ],
          'next-planner': [(request) => (planning(taskOf(request)), say('Reading the repo first.'))],
        },
        agentOf,
      ),
    );
    const hostDir = await addAgentHost(vm.world, model);
    const { world, sshd } = vm;
    const cli = async (args: string[]) => {
      const result = await world.cli(args);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return result.stdout;
    };
    const next = async (predicate: (item: InboxItem) => boolean): Promise<InboxItem> => {
      try {
        return await waitForInbox(hostDir, predicate, 60_000);
      } catch (error) {
        const log = readFileSync(join(hostDir, 'daemon.log'), 'utf8').split('\n').slice(-30).join('\n');
        throw new Error(`${String(error)}\nagents said: ${JSON.stringify(seen)}\ndaemon.log:\n${log}`);
      }
    };

    await cli(['repo', 'add', 'vm', 'app', repo.dir]);
    const id = (await cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=greet verbosely'])).trim().slice('vm/'.length);
    await next((item) => item.id === `pl-${id}-1`);
    await cli(['approve', `vm/pl-${id}-1`]);
    const first = await next((item) => item.kind === 'checkpoint' && item.step === 'flag');
    await cli(['reject', `vm/${first.id}`, '--feedback', 'The linter fails: run it before the checkpoint.']);
    const second = await next((item) => item.kind === 'checkpoint' && item.step === 'flag' && item.id !== first.id);
    expect(seen.rejected).toContain('The linter fails');
    await cli(['approve', `vm/${second.id}`]);
    const phase = await next((item) => item.kind === 'checkpoint' && item.summary.includes('Build'));
    await cli(['approve', `vm/${phase.id}`]);
    await waitForRun(hostDir, id, (run) => run.state === 'done', 60_000);
    await retroReading;
    process.kill(Number(readFileSync(join(hostDir, 'daemon.pid'), 'utf8')), 'SIGKILL');

    // The next daemon (this wait's bridge starts it) resumes the retrospective, which reads the rejection and
    // proposes two learnings: one item, as an editable list.
    const proposal = await next((item) => item.id === `ln-${id}-1`);
    expect(proposal).toMatchObject({ kind: 'learnings', run: id, agent: `${id}-retro`, summary: '2 learnings proposed for add-feature' });
    expect(seen.retroTask).toContain('The linter fails: run it before the checkpoint.');
    // propose_learnings is offered to the retrospective alone.
    expect(seen.retroTools).toContain('propose_learnings');
    expect(seen.flagTools).toContain('checkpoint');
    expect(seen.flagTools).not.toContain('propose_learnings');
    expect(await proposed).toContain(`Submitted for review as ln-${id}-1`);
    // Its turn over, the retrospective is stopped like a finished step's agent.
    await waitForAgent(hostDir, `${id}-retro`, (agent) => agent.status === 'stopped');
    const shown = await cli(['show', `vm/ln-${id}-1`]);
    expect(shown).toContain(`- [runbook] ${RUNBOOK_LEARNING}\n`);
    expect(shown).toContain(`- [repo] ${REPO_LEARNING}\n`);
    expect(shown).toContain(`approve vm/ln-${id}-1 [--edit | --file edited.md]`);
    // An edit in $EDITOR that breaks the list is refused before anything is sent, naming the line; the edit is kept.
    const editor = join(sshd.dir, 'bad-editor.sh');
    writeFileSync(editor, '#!/bin/sh\nprintf "A stray line\\n" >> "$1"\n', { mode: 0o755 });
    const broken = await world.cli(['approve', `vm/ln-${id}-1`, '--edit'], { env: { VISUAL: editor } });
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/line \d+: not a learning/);
    expect(broken.stderr).toContain('your edit is kept in');
    expect(JSON.parse(await cli(['inbox', 'vm', '--json'])).items.map((item: InboxItem) => item.id)).toContain(`ln-${id}-1`);
    const detail = JSON.parse(await cli(['show', `vm/ln-${id}-1`, '--json'])).detail as { markdown: string };
    const edited = join(sshd.dir, 'learnings.md');
    writeFileSync(edited, detail.markdown.replace(RUNBOOK_LEARNING, EDITED_LEARNING));
    expect(await cli(['approve', `vm/ln-${id}-1`, '--file', edited])).toContain(`vm/ln-${id}-1: approved`);

    // One commit on the run's branch: the runbook (copied from the built-in) with the edited learning, learnings.md.
    const bare = join(hostDir, 'repos', 'app.git');
    const show = (path: string) => execFileSync('git', ['-C', bare, 'show', `flightdeck-run/${id}:${path}`], { encoding: 'utf8' });
    const runbook = show('.flightdeck/runbooks/add-feature.md');
    expect(runbook).toMatch(new RegExp(`## Learnings\\n[\\s\\S]*- ${EDITED_LEARNING.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(run ${id}, accepted by `));
    expect(runbook).not.toContain(RUNBOOK_LEARNING);
    expect(show('.flightdeck/context/learnings.md')).toContain(REPO_LEARNING);
    expect(execFileSync('git', ['-C', bare, 'log', '-1', '--format=%s', `flightdeck-run/${id}`], { encoding: 'utf8' })).toContain(`learnings of run ${id}`);
    const resumed = readAudit(hostDir).filter((row) => row.action === 'agent.resume' && row.target === `agent:${id}-retro`);
    expect(resumed.map((row) => [row.actor, row.outcome])).toEqual([['host', 'ok']]);
    const audit = readAudit(hostDir).filter((row) => row.target === `run:${id}` && row.action.startsWith('learnings.'));
    expect(audit.map((row) => [row.action, row.data.count])).toEqual([
      ['learnings.propose', 2],
      ['learnings.accept', 2],
    ]);

    // The next run on this host and repo: its planner is given both, though the runbook on main has neither yet.
    const again = (await cli(['run', 'start', 'vm', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=again'])).trim().slice('vm/'.length);
    const task = await nextPlannerTask;
    expect(task).toContain(`- [runbook] ${EDITED_LEARNING} (run ${id})`);
    expect(task).toContain(`- [repo] ${REPO_LEARNING} (run ${id})`);
    await cli(['run', 'cancel', `vm/${again}`]);
  }, 120_000);
});
