// The control room's runs in Chromium through browser mode, against the real core, a real sshd, a real agent-host
// and built-in agents on the scripted model: a run's plan reviewed and approved from the inbox by keyboard, its graph
// live, a step's checkpoint rejected with feedback from the diff view and the rework approved, the phase approved, the
// run done; then the host goes away and the runs show from the cache, marked stale. Screenshots and an axe check of
// every view.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest } from '../harness/fake-anthropic';
import { call, say, shell } from '../harness/scriptedTurns';
import { makeRepo, type TestRepo } from '../harness/repo';
import { resultText, toolResults } from '../integration/agents/agentWorld';
import { routedTurns } from '../integration/agents/routedModel';
import { SCREENSHOTS, addRunHost, buildRenderer, openApp, shot, startAppWorld, type AppWorld } from './app';
import { seriousViolations } from './axe';

const PLAN: Plan = {
  title: 'Greet verbosely',
  summary: 'A `-v` flag for the greeter, and the README says so.',
  analysis: { touchpoints: ['greet.js', 'README.md'], dependencies: [], risks: ['Scripts that parse the greeting'] },
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
  ],
  impact: { components: ['cli'], breaking_changes: [], testing: ['node greet.js -v'] },
  rollback: ['Revert the merges.'],
  questions: [],
};

const lastResult = (request: RecordedRequest) => resultText(toolResults(request.body)[0]!);

const FEEDBACK = 'Print the verbose greeting too, not only parse the flag.';

describe('runs in the control room (browser mode, real core, real sshd, real agent-host, built-in agents)', { timeout: 180_000 }, () => {
  let world: AppWorld;
  let repo: TestRepo;
  let model: FakeAnthropic;
  let page: Page;
  let runId = '';
  const seen: Record<string, string> = {};
  const row = (kind: string, extra = '') => page.locator(`.inbox-row[data-kind="${kind}"]${extra}`);

  beforeAll(async () => {
    await buildRenderer();
    repo = await makeRepo([{ message: 'A greeter', files: { 'greet.js': 'console.log("hello");\n', 'README.md': 'greeter\n' } }]);
    model = await fakeAnthropic(
      routedTurns({
        planner: [call('submit_plan', PLAN), say('Planned.')],
        flag: [
          shell('printf \'console.log(process.argv.includes("-v") ? "hello" : "hello");\\n\' > greet.js && git commit -qam "flag: parse -v" && echo committed'),
          call('checkpoint', { summary: 'greet.js takes -v', tests_run: ['node greet.js -v'] }),
          (request) => (
            (seen.feedback = lastResult(request)),
            shell('printf \'console.log(process.argv.includes("-v") ? "hello, verbosely" : "hello");\\n\' > greet.js && git commit -qam "flag: greet verbosely" && echo reworked')
          ),
          call('checkpoint', { summary: 'greet.js greets verbosely with -v', tests_run: ['node greet.js -v'] }),
          say('Step done.'),
        ],
        docs: [shell('printf "greeter\\n\\nnode greet.js -v greets verbosely.\\n" > README.md && git commit -qam "docs: -v" && echo committed'), say('Docs done.')],
      }),
    );
    world = await startAppWorld({ knownHostKey: true });
    await addRunHost(world, model.url, repo.dir);
    page = await world.browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await openApp(page, world);
  }, 150_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await page?.screenshot({ path: join(SCREENSHOTS, `failed-runs-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
  });

  afterAll(async () => {
    await world?.close();
    await model?.close();
    await repo?.cleanup();
  });

  it('shows the empty inbox, then the plan of a new run; opened by keyboard, reviewed, approved with a', async () => {
    await page.keyboard.press('Control+Shift+E');
    await page.getByRole('heading', { name: 'Nothing waits on you' }).waitFor();
    await shot(page, 'runs-inbox-empty');
    expect(await seriousViolations(page)).toEqual([]);

    const lane = await world.core.host('vm').lane();
    const { run } = await lane.peer.request('run.start', { runbook: 'add-feature', repo: 'app', params: { feature: 'greet verbosely' } }, { timeoutMs: 0 });
    runId = run.id;
    await row('plan').waitFor({ timeout: 60_000 });
    await expect(row('plan').textContent()).resolves.toContain('Greet verbosely');
    await page.waitForFunction(() => document.title === '(1) Flightdeck');
    await shot(page, 'runs-inbox');
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('Enter');
    const review = page.locator('.item-view[data-kind="plan"]');
    await review.getByRole('article', { name: 'Plan v1' }).getByRole('heading', { name: 'Greet verbosely' }).waitFor();
    await review.locator('[data-testid="plan-graph"][data-laid-out="true"] [data-step="flag"]').waitFor();
    await expect(review.locator('[data-step]').count()).resolves.toBe(2);
    await shot(page, 'runs-plan-review');
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('a');
    await page.locator('.toast', { hasText: `Approved: vm/pl-${runId}-1` }).waitFor();
    await page.locator('.inbox-view').waitFor();
    await page.waitForFunction(() => document.title === 'Flightdeck');
  });

  it('shows the run in the runs view and its graph with live step states; a step opens its agent beside the graph', async () => {
    await page.keyboard.press('Control+Shift+G');
    await page.locator(`.runs-table tr[data-run="${runId}"]`).waitFor();
    await page.locator(`.runs-table tr[data-run="${runId}"] [data-state="running"]`).waitFor({ timeout: 30_000 });
    await shot(page, 'runs-list');
    expect(await seriousViolations(page)).toEqual([]);

    await page.locator(`.runs-table tr[data-run="${runId}"] .run-open`).click();
    const graph = page.locator('.run-view [data-testid="plan-graph"][data-laid-out="true"]');
    // Live: the steps leave "pending" as their agents start, without reloading anything.
    await graph.locator('.step-node[data-step="flag"]:not([data-state="pending"]) button').waitFor({ timeout: 60_000 });
    await graph.locator('.step-node[data-step="docs"]:not([data-state="pending"])').waitFor({ timeout: 60_000 });
    await shot(page, 'runs-graph-live');
    expect(await seriousViolations(page)).toEqual([]);

    await graph.locator('.step-node[data-step="flag"] button').click();
    await page.locator('.workspace-frame.with-terminals [data-terminal]').waitFor();
    await expect(page.locator('.run-view').isVisible()).resolves.toBe(true);
    await shot(page, 'runs-graph-terminal');
    await page.getByRole('button', { name: 'Hide terminals' }).click();
  });

  it("rejects the step's checkpoint with feedback from its diff view, then approves the rework and the phase; the run is done", async () => {
    await page.keyboard.press('Control+Shift+E');
    await row('checkpoint').waitFor({ timeout: 90_000 });
    const first = await row('checkpoint').getAttribute('data-item');
    // The cursor is on the only item: open it, the diff shows the step's change.
    await page.keyboard.press('Enter');
    const view = page.locator(`.item-view[data-item="${first}"]`);
    await view.locator('.diff-file table').waitFor();
    await expect(view.locator('.diff-file-header').first().textContent()).resolves.toContain('greet.js');
    await expect(view.locator('.review-section', { hasText: 'Tests run' }).textContent()).resolves.toContain('node greet.js -v');
    await expect(view.locator('.check-ok').textContent()).resolves.toContain('found nothing');
    await shot(page, 'runs-checkpoint-split');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('v');
    await view.locator('.diff-viewer[data-view="unified"]').waitFor();
    await shot(page, 'runs-checkpoint-unified');

    await page.keyboard.press('r');
    const feedback = view.locator('textarea[name="feedback"]');
    await expect(feedback.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
    await page.keyboard.type(FEEDBACK);
    await shot(page, 'runs-checkpoint-reject');
    await page.keyboard.press('Control+Enter');
    await page.locator('.toast', { hasText: `Sent back: vm/${first}` }).waitFor();

    // The agent reworks (the feedback is its tool result) and asks again.
    const second = page.locator(`.inbox-row[data-kind="checkpoint"]:not([data-item="${first}"])`);
    await second.waitFor({ timeout: 90_000 });
    expect(seen.feedback).toContain(FEEDBACK);
    await second.click();
    await page.locator('.item-view .diff-file table').waitFor();
    await expect(page.locator('.item-view .summary-text').first().textContent()).resolves.toBe('greet.js greets verbosely with -v');
    await page.keyboard.press('a');
    await page.locator('.toast', { hasText: 'Approved: vm/' }).first().waitFor();

    // Both steps merged: the phase's checkpoint holds the end of the run.
    const phase = page.locator('.inbox-row[data-kind="checkpoint"]', { hasText: 'Phase "Build" is merged' });
    await phase.waitFor({ timeout: 90_000 });
    await phase.click();
    await page.locator('.item-view .diff-file').first().waitFor();
    await shot(page, 'runs-phase-checkpoint');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('a');

    await page.keyboard.press('Control+Shift+G');
    await page.locator(`.runs-table tr[data-run="${runId}"] [data-state="done"]`).waitFor({ timeout: 60_000 });
    await page.locator(`.runs-table tr[data-run="${runId}"] .run-open`).click();
    await page.locator('.run-view[data-state="done"] .step-node[data-step="flag"][data-state="done"]').waitFor();
    await page.locator('.run-view .step-node[data-step="docs"][data-state="done"]').waitFor();
    await shot(page, 'runs-graph-done');
  });

  it('shows the runs of a host that went away from the cache, marked stale with their age', async () => {
    await world.sshd.stop();
    await page.keyboard.press('Control+Shift+G');
    await page.locator(`.runs-table tr.is-stale[data-run="${runId}"] .stale-tag`).waitFor({ timeout: 60_000 });
    await expect(page.locator('[data-host-problem="vm"]').textContent()).resolves.toMatch(/did not answer.*mirrored (just now|.* ago) \(stale\)/);
    await shot(page, 'runs-offline');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Control+Shift+E');
    await page.locator('[data-host-problem="vm"]').waitFor();
    await shot(page, 'runs-inbox-offline');
  });
});
