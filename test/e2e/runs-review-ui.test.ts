// The control room as reviewer, in Chromium through browser mode against the real core, a real sshd, a real
// agent-host and built-in agents on the scripted model: two steps of a phase running at once (seen in the graph), a
// step's escalation opened from the inbox by keyboard and answered with one of its suggestions (the agent gets the
// answer and goes on), and a change to protected paths approved by the desktop's person and then by a second person
// with their own bound key and the CLI, after which the item leaves the inbox live and the run ends. The desktop is
// alice: its host entry uses her key, which the VM's admin bound to the bridge with her name.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest, type ScriptedResponse, type ScriptedTurn } from '../harness/fake-anthropic';
import { call, say, shell } from '../harness/scriptedTurns';
import { makeRepo, type TestRepo } from '../harness/repo';
import { resultText, toolResults } from '../integration/agents/agentWorld';
import { routedTurns } from '../integration/agents/routedModel';
import type { FleetWorld } from '../integration/fleet/env';
import { SCREENSHOTS, buildRenderer, openApp, pointAgentsAt, shot, startAppWorld, type AppWorld } from './app';
import { seriousViolations } from './axe';
import { bindPerson, installAgentHost, laptop, succeeded } from './team';

const PLAN: Plan = {
  title: 'Harden the login',
  summary: 'The login checks its user, and attempts are rate-limited.',
  analysis: { touchpoints: ['auth/login.js', 'limits.js'], dependencies: [], risks: ['Clients that log in without a user'] },
  phases: [
    {
      id: 'build',
      title: 'Build',
      estimate_hours: 2,
      steps: [
        { id: 'auth', title: 'Check the user', description: 'auth/login.js refuses an empty user.', role: 'implementer', depends_on: [], checkpoint: false },
        { id: 'limits', title: 'Rate-limit attempts', description: 'limits.js caps login attempts.', role: 'implementer', depends_on: [], checkpoint: false },
      ],
    },
  ],
  impact: { components: ['auth'], breaking_changes: [], testing: ['node auth/login.js'] },
  rollback: ['Revert the merges.'],
  questions: [],
};

const ESCALATION = {
  problem: 'The plan does not say how many login attempts a minute to allow.',
  context: 'limits.js has no limit yet; the login is used by the web app and by scripts that retry.',
  suggested_resolutions: ['Allow 5 attempts a minute', 'Allow 10 attempts a minute', 'Leave it unlimited'],
};

const lastResult = (request: RecordedRequest) => resultText(toolResults(request.body)[0]!);

/** A promise and the function that settles it: a scripted turn waits at it until the test (or another turn) opens it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('reviewing runs in the control room: parallel steps, an escalation, two reviewers for protected paths', { timeout: 180_000 }, () => {
  let world: AppWorld;
  let repo: TestRepo;
  let model: FakeAnthropic;
  let page: Page;
  /** Bob's laptop: his own FLIGHTDECK_HOME, SSH config and known_hosts, his bound key, the real CLI. */
  let bob: FleetWorld;
  let runId = '';
  const seen: Record<string, string> = {};
  // Both steps' first model calls wait here until the test has seen both running in the graph.
  const release = gate();
  const firstCalls = new Set<string>();
  const bothCalled = gate();
  // auth ends its turn only once limits has its answer: the inbox holds one item at a time, in a known order.
  const answered = gate();
  const firstTurn = (step: string, response: ScriptedResponse): ScriptedTurn => async () => {
    firstCalls.add(step);
    if (firstCalls.size === 2) bothCalled.open();
    await release.opened;
    return response;
  };
  const row = (kind: string) => page.locator(`.inbox-row[data-kind="${kind}"]`);
  const agentRow = (name: string) => page.locator(`[data-host="vm"] .agent-row[data-agent="${name}"]`);
  const graph = () => page.locator('.run-view [data-testid="plan-graph"][data-laid-out="true"]');

  async function bobApproves(item: string): Promise<string> {
    return succeeded(bob.cli(['approve', `vm/${item}`]));
  }

  beforeAll(async () => {
    await buildRenderer();
    repo = await makeRepo([
      {
        message: 'A login, protected',
        files: {
          'auth/login.js': 'export const login = () => true;\n',
          'limits.js': 'module.exports = {};\n',
          '.flightdeck/policy.yaml': 'protected_paths: ["auth/**"]\n',
        },
      },
    ]);
    model = await fakeAnthropic(
      routedTurns({
        planner: [call('submit_plan', PLAN), say('Planned.')],
        auth: [
          firstTurn('auth', shell('printf "export const login = (user) => Boolean(user);\\n" > auth/login.js && git commit -qam "auth: check the user" && echo committed')),
          async () => (await answered.opened, say('Login hardened.')),
        ],
        limits: [
          firstTurn('limits', call('escalate', ESCALATION)),
          (request) => (
            (seen.answer = lastResult(request)),
            answered.open(),
            shell('printf "module.exports = { attemptsPerMinute: 10 };\\n" > limits.js && git commit -qam "limits: 10 a minute" && echo committed')
          ),
          (request) => ((seen.committed = lastResult(request)), say('Limit set.')),
        ],
        retro: [say('Nothing to add.')],
      }),
    );
    world = await startAppWorld({ knownHostKey: true });
    const { sshd, hostDir } = world;
    await installAgentHost(sshd, hostDir);
    const alice = await bindPerson(sshd, hostDir, world.dir, 'alice');
    const bobKey = await bindPerson(sshd, hostDir, world.dir, 'bob');
    await pointAgentsAt(hostDir, model.url);

    // The desktop is alice's: its host entry uses her bound key.
    const host = await world.core.addHost({ name: 'vm', target: 'vm', hostDir, identityFile: alice.privateKeyPath, bound: true });
    expect(host.error).toBeNull();
    const lane = await world.core.host('vm').lane();
    await lane.peer.request('repo.add', { name: 'app', url: repo.dir }, { timeoutMs: 0 });
    bob = await laptop(sshd);
    await succeeded(bob.cli(['host', 'add', 'vm', '--ssh', 'vm', '--identity', bobKey.privateKeyPath, '--host-dir', hostDir, '--bound']));

    page = await world.browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await openApp(page, world);
  }, 150_000);

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    await page?.screenshot({ path: join(SCREENSHOTS, `failed-review-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
    // Where the run was: what the agents got from the model, and the daemon's last words.
    const log = await readFile(join(world.hostDir, 'daemon.log'), 'utf8').catch((error: Error) => error.message);
    console.error(`model requests: ${model.requests.length}; agents said: ${JSON.stringify(seen)}\ndaemon.log:\n${log.split('\n').slice(-40).join('\n')}`);
  });

  afterAll(async () => {
    // Whatever failed, no scripted turn stays parked on a gate.
    release.open();
    answered.open();
    await bob?.cleanup();
    await world?.close();
    await model?.close();
    await repo?.cleanup();
  });

  it('runs the two independent steps of a phase at once, both running in the graph together', async () => {
    const lane = await world.core.host('vm').lane();
    const { run } = await lane.peer.request('run.start', { runbook: 'add-feature', repo: 'app', params: { feature: 'harden the login' } }, { timeoutMs: 0 });
    runId = run.id;
    await page.keyboard.press('Control+Shift+E');
    await row('plan').waitFor({ timeout: 60_000 });
    // The fleet tree says what the planner waits on (the run holds it at the plan review), and opens that, not its terminal.
    const planner = agentRow(`${runId}-planner`);
    await planner.and(page.locator('[data-waiting-on="plan"]')).waitFor();
    await expect(planner.locator('.badge').textContent()).resolves.toBe('plan review');
    await expect(planner.locator('.badge').getAttribute('title')).resolves.toBe('waiting on you: plan review');
    await expect(planner.getByTestId('agent-question').textContent()).resolves.toBe('plan review: v1: Harden the login');
    await planner.locator('.session-open').click();
    // Decisions wait until the item is loaded: a key pressed before would be dropped.
    await page.locator(`.item-view[data-item="pl-${runId}-1"] [data-testid="approve"]:enabled`).waitFor();
    await page.keyboard.press('a');
    await page.locator('.toast', { hasText: `Approved: vm/pl-${runId}-1` }).waitFor();

    await page.keyboard.press('Control+Shift+G');
    await page.locator(`.runs-table tr[data-run="${runId}"] .run-open`).click();
    await graph().waitFor();
    // Both agents have asked the model and wait for its answer: neither step can move on until the test says so.
    await bothCalled.opened;
    await page.waitForFunction(() => document.querySelectorAll('.run-view .step-node[data-state="running"]').length === 2, undefined, { timeout: 60_000 });
    await expect(graph().locator('.step-node[data-step="auth"]').getAttribute('data-state')).resolves.toBe('running');
    await expect(graph().locator('.step-node[data-step="limits"]').getAttribute('data-state')).resolves.toBe('running');
    await shot(page, 'review-parallel');
    expect(await seriousViolations(page)).toEqual([]);
    release.open();
  });

  it("opens a step's escalation from the inbox by keyboard and answers it with a suggestion; the agent gets it and goes on", async () => {
    await page.keyboard.press('Control+Shift+E');
    await row('escalation').waitFor({ timeout: 60_000 });
    await expect(page.locator('.inbox-row').count()).resolves.toBe(1);
    const limits = agentRow(`${runId}-limits`);
    await limits.and(page.locator('[data-waiting-on="escalation"]')).waitFor();
    await expect(limits.locator('.badge').textContent()).resolves.toBe('escalation');
    await expect(limits.getByTestId('agent-question').textContent()).resolves.toBe(`escalation: ${ESCALATION.problem}`);
    await page.keyboard.press('Enter');
    const view = page.locator('.item-view[data-kind="escalation"]');
    await view.getByRole('heading', { name: 'Problem' }).waitFor();
    await expect(view.locator('.agent-question-full').textContent()).resolves.toBe(ESCALATION.problem);
    await expect(view.locator('.context-text').textContent()).resolves.toBe(ESCALATION.context);
    const suggestions = view.getByRole('group', { name: 'Decision' }).locator('.option-buttons button');
    await expect(suggestions.allTextContents()).resolves.toEqual(ESCALATION.suggested_resolutions.map((text, index) => `${index + 1} ${text}`));
    await shot(page, 'review-escalation');
    expect(await seriousViolations(page)).toEqual([]);

    await view.getByRole('button', { name: 'Allow 10 attempts a minute' }).click();
    await page.locator('.toast', { hasText: 'Answered: vm/' }).waitFor();
    await page.locator('.inbox-view').waitFor();
    // auth ends its turn only after limits got its answer: once auth's checkpoint is listed, the answer was delivered,
    // as the escalate call's result, from the person the host knows by the desktop's key.
    await row('checkpoint').waitFor({ timeout: 90_000 });
    expect(seen.answer).toBe('Answer from person:alice:\nAllow 10 attempts a minute');
  });

  it('needs a second reviewer for a change to protected paths: the desktop approves, bob approves from the CLI, the run ends', async () => {
    // auth touched auth/**: held before the merge, whatever the plan said about checkpoints.
    const held = row('checkpoint');
    await held.waitFor({ timeout: 90_000 });
    const item = (await held.getAttribute('data-item'))!;
    await page.keyboard.press('Enter');
    const view = page.locator(`.item-view[data-item="${item}"]`);
    const protectedPaths = view.getByTestId('protected-paths');
    await expect(protectedPaths.textContent()).resolves.toContain('auth/login.js');
    await expect(protectedPaths.textContent()).resolves.toContain('Nobody has approved yet.');
    await page.keyboard.press('a');
    await page.locator('.toast', { hasText: `Your approval of vm/${item} is recorded; it still needs a second reviewer.` }).waitFor();

    // Still in the inbox; opened again, it says who approved and that one more person must.
    await page.locator(`.inbox-row[data-item="${item}"]`).waitFor();
    await page.keyboard.press('Enter');
    await protectedPaths.getByText('A second reviewer is needed.').waitFor();
    await expect(protectedPaths.textContent()).resolves.toMatch(/Approved by (person:)?alice\./);
    await shot(page, 'review-second-reviewer');
    expect(await seriousViolations(page)).toEqual([]);

    expect(await bobApproves(item)).toContain(': approved');
    // Live: the open item says it no longer waits, and the inbox no longer lists it.
    await view.getByText('This item no longer waits').waitFor({ timeout: 30_000 });
    await page.keyboard.press('Escape');
    await page.locator('.inbox-view').waitFor();
    await page.locator(`.inbox-row[data-item="${item}"]`).waitFor({ state: 'detached' });

    // The phase's diff touches auth/ too: the desktop's approval, then bob's, and the run is done.
    const phase = page.locator('.inbox-row[data-kind="checkpoint"]', { hasText: 'Phase "Build" is merged' });
    await phase.waitFor({ timeout: 90_000 });
    const phaseItem = (await phase.getAttribute('data-item'))!;
    await page.keyboard.press('a');
    await page.locator('.toast', { hasText: `Your approval of vm/${phaseItem} is recorded` }).waitFor();
    expect(await bobApproves(phaseItem)).toContain(': approved');
    await phase.waitFor({ state: 'detached' });

    await page.keyboard.press('Control+Shift+G');
    await page.locator(`.runs-table tr[data-run="${runId}"] [data-state="done"]`).waitFor({ timeout: 60_000 });
    await page.locator(`.runs-table tr[data-run="${runId}"] .run-open`).click();
    await page.locator('.run-view[data-state="done"] .step-node[data-step="auth"][data-state="done"]').waitFor();
    await page.locator('.run-view .step-node[data-step="limits"][data-state="done"]').waitFor();
    // limits went on after its answer: it committed what was decided, and that is what was merged.
    expect(seen.committed).toContain('committed');
    const integration = join(world.hostDir, 'repos', 'app.git');
    expect(execFileSync('git', ['-C', integration, 'show', `flightdeck-run/${runId}:limits.js`], { encoding: 'utf8' })).toContain('attemptsPerMinute: 10');
  });
});
