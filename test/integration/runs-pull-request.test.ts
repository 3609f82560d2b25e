// What follows a done run over the real sshd, every agent a built-in one on a scripted model: the integration branch
// pushed to the repo's origin — a real bare repository served over smart HTTP by `git http-backend`, so its URL has a
// host, owner and name like one on GitHub — and the pull request opened on the fake GitHub (real HTTP, reached by the
// host through the real @octokit/rest, as forges.yaml in the host's state dir says). A review comment left on it is
// polled (poll_seconds: 1, the product's clock), shown in the inbox, reworked by an agent on the same branch, pushed,
// and answered in its thread. A plain remote gets the push alone, and the run says why there is no pull request.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import type { InboxItem } from '../../common/protocol/runs';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest, type ScriptedResponse } from '../harness/fake-anthropic';
import { fakeGitHub, type FakeGitHub } from '../harness/fake-github';
import { gitHttpServer, type GitHttpServer } from '../harness/git-http';
import { makeRepo } from '../harness/repo';
import { addAgentHost, readAudit, waitForInbox, waitForRun } from './agents/agentWorld';
import { routedTurns, runAgentOf, taskOf } from './agents/routedModel';
import { withVm } from './fleet/env';

const PLAN: Plan = {
  title: 'Greet the world',
  summary: 'The greeting names the world.',
  analysis: { touchpoints: ['README.md'], dependencies: [], risks: [] },
  phases: [{ id: 'build', title: 'Build', estimate_hours: 1, steps: [{ id: 'greet', title: 'Greet the world', description: 'README says hello, world.', role: 'implementer', depends_on: [], checkpoint: false }] }],
  impact: { components: ['docs'], breaking_changes: [], testing: [] },
  rollback: ['Revert the merge.'],
  questions: [],
};

const SHIP = `---
name: ship
version: 1.0.0
description: Change the greeting and ship it as a pull request.
roles:
  planner:
    instructions: Plan the change.
  implementer:
    instructions: Make the change and commit it.
checkpoints: { after_each_phase: false }
pull_request: { open: true, rework: true }
---
Keep the change small.
`;

const COMMENT = 'Say hello to the README readers too.';
const call = (name: string, input: object): ScriptedResponse => ({ content: [{ type: 'tool_use', name, input: input as Record<string, unknown> }] });
const shell = (command: string) => call('run_command', { command });
const say = (text: string): ScriptedResponse => ({ content: [{ type: 'text', text }] });
/** `rework` for the rework agents, the run's agents as routedModel tells them apart otherwise. */
const agentOf = (request: RecordedRequest) => (/^You are the \S+ reworking run /.test(taskOf(request)) ? 'rework' : runAgentOf(request));

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('runs: a done run pushed, its pull request opened, review feedback reworked', () => {
  const vm = withVm();
  let dir: string;
  let remote: string;
  let server: GitHttpServer;
  let github: FakeGitHub;
  let model: FakeAnthropic | undefined;
  // Not execFileSync: the git server answers on this process's event loop.
  const gitIn = async (cwd: string, args: string[]) => (await promisify(execFile)('git', ['-C', cwd, ...args], { encoding: 'utf8' })).stdout.trim();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fd-runs-pr-'));
    const source = await makeRepo([{ message: 'A greeter', files: { 'README.md': 'hello\n', '.flightdeck/runbooks/ship.md': SHIP } }]);
    remote = join(dir, 'forge', 'acme', 'app.git');
    await gitIn(dir, ['clone', '--bare', '--quiet', source.dir, remote]);
    await source.cleanup();
    server = await gitHttpServer(join(dir, 'forge'));
    github = await fakeGitHub();
    github.addRepo('acme', 'app');
  });

  afterEach(async () => {
    await model?.close();
    model = undefined;
    await github.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** forges.yaml (0600) in the host's state dir: the remote's host is the fake GitHub, polled every second. */
  function writeForges(hostDir: string): void {
    writeFileSync(join(hostDir, 'github-token'), `${github.token}\n`, { mode: 0o600 });
    const yaml = `poll_seconds: 1\nforges:\n  - host: 127.0.0.1\n    kind: github\n    api_url: ${github.url}\n    token_file: github-token\n`;
    writeFileSync(join(hostDir, 'forges.yaml'), yaml, { mode: 0o600 });
  }

  /** Starts a run of ship on app and approves its plan; resolves with the run's id once it is done. */
  async function shipRun(hostDir: string): Promise<string> {
    const { world } = vm;
    const started = await world.cli(['run', 'start', 'vm', '--runbook', 'ship', '--repo', 'app']);
    expect(started.stderr).toBe('');
    const id = started.stdout.trim().slice('vm/'.length);
    await waitForInbox(hostDir, (item) => item.id === `pl-${id}-1`, 120_000);
    expect((await world.cli(['approve', `vm/pl-${id}-1`])).code).toBe(0);
    await waitForRun(hostDir, id, (run) => run.state === 'done', 120_000);
    return id;
  }

  const greetStep = [shell('printf "hello, world\\n" > README.md && git commit -qam "Greet the world" && echo committed'), say('Done.')];

  it("opens a pull request, captures a review comment, pushes its rework with a reply in the thread, and learns from the comment", async () => {
    const seen: Record<string, string> = {};
    const reworkAsked = gate();
    const itemSeen = gate();
    model = await fakeAnthropic(
      routedTurns(
        {
          planner: [call('submit_plan', PLAN)],
          greet: greetStep,
          rework: [
            // Holds until the test has read the review item: it settles as soon as the rework is answered.
            async (request) => ((seen.task = taskOf(request)), reworkAsked.open(), await itemSeen.opened, shell('printf "hello, world and README readers\\n" > README.md && git commit -qam "Greet the README readers" && echo reworked')),
            call('report_progress', { message: 'The README greets its readers too.' }),
            say('Addressed.'),
          ],
          // After the rework: the comment is evidence for a retrospective round of its own.
          retro: [(request) => ((seen.retro = taskOf(request)), call('propose_learnings', { learnings: [{ text: 'Greetings name their readers.', applies_to: 'repo' }] })), say('Proposed.')],
        },
        agentOf,
      ),
    );
    const hostDir = await addAgentHost(vm.world, model);
    writeForges(hostDir);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', `${server.url}/acme/app.git`])).code).toBe(0);
    const id = await shipRun(hostDir);
    const branch = `flightdeck-run/${id}`;

    // Pushed with the run's record on top, then the pull request opened with the run's summary.
    const opened = await github.waitForRequest((request) => request.method === 'POST' && request.path === '/repos/acme/app/pulls');
    expect(await gitIn(remote, ['log', '-1', '--format=%s', branch])).toBe(`Flightdeck: record of run ${id}`);
    expect(opened.body).toMatchObject({ head: branch, base: 'main', title: 'Greet the world', draft: false });
    const [pull] = github.pulls();
    expect(pull!.body).toContain('# Greet the world');
    expect(pull!.body).toContain(`\`.flightdeck/runs/${id}/\` on this branch`);
    const shown = await world.cli(['run', 'show', `vm/${id}`]);
    expect(shown.stdout).toMatch(new RegExp(`pull request +#1 ${github.url.replace(/[.]/g, '\\.')}/acme/app/pull/1 \\(open; ${branch} pushed at [0-9a-f]{12}\\)`));

    // A review comment: polled, an inbox item, reworked at once (rework: true).
    const comment = github.addReviewComment(1, { user: 'alice', path: 'README.md', line: 1, body: COMMENT });
    const added: InboxItem = await waitForInbox(hostDir, (candidate) => candidate.kind === 'review', 60_000);
    expect(added).toMatchObject({ id: `rv-${id}-1`, run: id, summary: expect.stringMatching(/^1 review comment on PR #1/) });
    await reworkAsked.opened;
    const listed = JSON.parse((await world.cli(['inbox', 'vm', '--json'])).stdout) as { items: InboxItem[] };
    const item = listed.items.find((candidate) => candidate.id === added.id)!;
    expect(item).toMatchObject({ agent: `${id}-rework-1`, summary: `1 review comment on PR #1 (being reworked by ${id}-rework-1)` });
    const detail = JSON.parse((await world.cli(['show', `vm/${item.id}`, '--json'])).stdout) as { detail: { comments: { author: string; body: string }[] } };
    expect(detail.detail.comments).toMatchObject([{ author: 'alice', body: COMMENT }]);
    itemSeen.open();

    const reply = await github.waitForRequest((request) => request.method === 'POST' && request.path === `/repos/acme/app/pulls/1/comments/${comment}/replies`, 120_000);
    expect(seen.task).toContain(`alice, review comment on README.md:1 (`);
    expect(seen.task).toContain(`  > ${COMMENT}`);
    const reworked = await gitIn(remote, ['log', '--format=%H %s', branch]);
    const [, head] = /^([0-9a-f]{40}) Greet the README readers$/m.exec(reworked) ?? [];
    expect(head).toBeDefined();
    expect(reply.body).toEqual({ body: `Addressed in ${head!.slice(0, 7)}: The README greets its readers too.` });
    expect(await gitIn(remote, ['show', `${branch}:README.md`])).toBe('hello, world and README readers');

    // Settled: gone from the inbox; the prompt is the run's; everything audited.
    const inbox = JSON.parse((await world.cli(['inbox', 'vm', '--json'])).stdout) as { items: InboxItem[] };
    expect(inbox.items.filter((candidate) => candidate.kind === 'review')).toEqual([]);
    const prompts = JSON.parse((await world.cli(['run', 'show', `vm/${id}`, '--json'])).stdout).prompts as { agent: string; prompt: string }[];
    expect(prompts.find((prompt) => prompt.agent === `${id}-rework-1`)?.prompt).toBe(seen.task);
    const audit = readAudit(hostDir).filter((row) => row.target === `run:${id}` && /^(run\.push|pr\.)/.test(row.action));
    expect(audit.map((row) => [row.action, row.outcome])).toEqual([
      ['run.push', 'ok'],
      ['pr.open', 'ok'],
      ['pr.feedback', 'ok'],
      ['run.push', 'ok'],
      ['pr.reply', 'ok'],
      ['pr.rework', 'ok'],
    ]);
    expect(JSON.stringify(readAudit(hostDir))).not.toContain(github.token);
    const learnings = await waitForInbox(hostDir, (candidate) => candidate.kind === 'learnings', 60_000);
    expect(learnings.summary).toBe('1 learning proposed for ship');
    expect(seen.retro).toContain(COMMENT);
    expect((await world.cli(['audit', 'verify', 'vm'])).code).toBe(0);
  }, 300_000);

  it('pushes to a plain git remote, and the run says there is no pull request and why', async () => {
    model = await fakeAnthropic(routedTurns({ planner: [call('submit_plan', PLAN)], greet: greetStep }));
    const hostDir = await addAgentHost(vm.world, model);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', remote])).code).toBe(0);
    const id = await shipRun(hostDir);
    const branch = `flightdeck-run/${id}`;

    const run = await waitForRun(hostDir, id, (candidate) => candidate.pullRequest !== null, 60_000);
    expect(run.pullRequest).toEqual({
      url: null,
      number: null,
      branch,
      pushedCommit: await gitIn(remote, ['rev-parse', branch]),
      state: 'pushed',
      note: `pushed ${branch} to origin; no pull request: ${remote} is a local path, not a repo on a forge`,
    });
    expect(await gitIn(remote, ['log', '-1', '--format=%s', branch])).toBe(`Flightdeck: record of run ${id}`);
    const shown = await world.cli(['run', 'show', `vm/${id}`]);
    expect(shown.stdout).toContain(`pull request  none: pushed ${branch} to origin; no pull request: ${remote} is a local path, not a repo on a forge`);
    expect(github.requests).toEqual([]);
  }, 300_000);

  it('goes on with a rework after the daemon is killed under it, and collects no comment twice', async () => {
    const asked = gate();
    model = await fakeAnthropic(
      routedTurns(
        {
          planner: [call('submit_plan', PLAN)],
          greet: greetStep,
          rework: [
            // Streams slowly: the daemon dies while this turn is under way.
            () => (asked.open(), { content: [{ type: 'text', text: 'Reading the comment. '.repeat(200) }], eventDelayMs: 100 }),
            shell('printf "hello, world and README readers\\n" > README.md && git commit -qam "Greet the README readers" && echo reworked'),
            call('report_progress', { message: 'The README greets its readers too.' }),
            say('Addressed.'),
          ],
          // After the rework, a retrospective round that proposes nothing.
          retro: [say('Nothing new to learn.')],
        },
        agentOf,
      ),
    );
    const hostDir = await addAgentHost(vm.world, model);
    writeForges(hostDir);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', `${server.url}/acme/app.git`])).code).toBe(0);
    const id = await shipRun(hostDir);
    await github.waitForRequest((request) => request.method === 'POST' && request.path === '/repos/acme/app/pulls');
    const comment = github.addReviewComment(1, { user: 'alice', path: 'README.md', line: 1, body: COMMENT });
    await asked.opened;
    process.kill(Number(readFileSync(join(hostDir, 'daemon.pid'), 'utf8')), 'SIGKILL');

    // The next daemon (the CLI's bridge starts it) wakes the rework agent; its work lands and is answered once.
    expect((await world.cli(['run', 'show', `vm/${id}`])).code).toBe(0);
    const replied = (request: { method: string; path: string }) => request.method === 'POST' && request.path === `/repos/acme/app/pulls/1/comments/${comment}/replies`;
    const reply = await github.waitForRequest(replied, 120_000);
    // One more poll after the reply: the host's own reply is no feedback, and alice's comment is not collected again.
    const after = github.requests.indexOf(reply);
    await github.waitForRequest((request) => github.requests.indexOf(request) > after && request.path === '/repos/acme/app/pulls/1/comments', 60_000);
    await github.waitForRequest((request) => github.requests.indexOf(request) > after && request.path === '/repos/acme/app/pulls', 60_000);

    expect(github.requests.filter(replied)).toHaveLength(1);
    expect(await gitIn(remote, ['show', `flightdeck-run/${id}:README.md`])).toBe('hello, world and README readers');
    const audit = readAudit(hostDir);
    expect(audit.filter((row) => row.action === 'pr.feedback' && row.target === `run:${id}`)).toHaveLength(1);
    expect(audit.filter((row) => row.action === 'agent.resume' && row.target === `agent:${id}-rework-1`).map((row) => [row.actor, row.outcome])).toEqual([['host', 'ok']]);
    const db = new Database(join(hostDir, 'host.db'), { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare('SELECT forge_id, round FROM pr_feedback WHERE run = ?').all(id)).toEqual([{ forge_id: `review-comment:${comment}`, round: 1 }]);
      expect(db.prepare('SELECT status FROM pr_rounds WHERE run = ?').all(id)).toEqual([{ status: 'done' }]);
    } finally {
      db.close();
    }
  }, 300_000);
});
