// The runbook library and the fleet's agents in Chromium through browser mode, against the real core, a real sshd, a
// real agent-host and built-in agents on the scripted model: the library opened by keyboard with the built-ins, a
// repo's override and its broken file; a run of add-feature started from the form generated from its parameters
// (what is missing or mistyped refused in the form first), its plan in the inbox; the agents view with the planner's
// tokens and cost, an ad-hoc agent launched from it, sorting by cost, the run's total; then the host gone and both
// views showing what they last knew. Screenshots and an axe check of every view.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import { fakeAnthropic, type FakeAnthropic } from '../harness/fake-anthropic';
import { call, say } from '../harness/scriptedTurns';
import { makeRepo, type TestRepo } from '../harness/repo';
import { routedTurns, taskOf } from '../integration/agents/routedModel';
import { SCREENSHOTS, addRunHost, buildRenderer, openApp, shot, startAppWorld, type AppWorld } from './app';
import { seriousViolations } from './axe';

const PLAN: Plan = {
  title: 'Greet verbosely',
  summary: 'A `-v` flag for the greeter.',
  analysis: { touchpoints: ['greet.js'], dependencies: [], risks: [] },
  phases: [
    {
      id: 'build',
      title: 'Build',
      estimate_hours: 1,
      steps: [{ id: 'flag', title: 'Add -v', description: 'greet.js takes -v.', role: 'implementer', depends_on: [], checkpoint: false }],
    },
  ],
  impact: { components: ['cli'], breaking_changes: [], testing: ['node greet.js -v'] },
  rollback: ['Revert the merge.'],
  questions: [],
};

/** The repo's own fix-failing-tests: it overrides the built-in, and declares a parameter of every type. */
const OVERRIDE = `---
name: fix-failing-tests
version: 2.0.0-app
description: The app's own way to fix failing tests, with a budget of attempts per cause.
parameters:
  test_command:
    type: string
    default: node --test
    description: The command that runs the tests.
  max_attempts:
    type: integer
    default: 3
    description: How many fixes a step may try before it escalates.
  scope:
    type: enum
    values: [product-code, tests, either]
    default: either
    description: What the fixes may change.
  quarantine_flaky:
    type: boolean
    default: false
    description: Quarantine a flaky test instead of fixing it.
roles:
  planner:
    instructions: Plan one step per cause of failure.
  fixer:
    instructions: Fix one cause.
---

# Fix failing tests (the app's way)

## Learnings

- Run \`node --test\` with \`--test-concurrency=1\`: the greeter tests share a port.
- **Never** update a snapshot to make a test pass.
`;

const BROKEN = `---
name: broken
version: 1.0.0
description: A runbook without a planner.
roles:
  fixer:
    instructions: Fix it.
---
`;

// Fixed usage, so costs are known: claude-sonnet-4-5 at $3 in / $15 out per million tokens.
const PLANNER_USAGE = { input_tokens: 40_000, output_tokens: 2000 }; // $0.1500
const HELPER_USAGE = { input_tokens: 200, output_tokens: 20 }; // $0.0009

describe('the runbook library and the fleet agents (browser mode, real core, real sshd, real agent-host, built-in agents)', { timeout: 180_000 }, () => {
  let world: AppWorld;
  let repo: TestRepo;
  let model: FakeAnthropic;
  let page: Page;
  let runId = '';
  const dialog = (name: string) => page.getByRole('dialog', { name });
  const agentRow = (name: string) => page.locator(`.agents-table tbody tr[data-agent="${name}"]`);
  const agentNames = () => page.locator('.agents-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-agent')));

  beforeAll(async () => {
    await buildRenderer();
    repo = await makeRepo([
      {
        message: 'A greeter with its own runbooks',
        files: { 'greet.js': 'console.log("hello");\n', '.flightdeck/runbooks/fix-failing-tests.md': OVERRIDE, '.flightdeck/runbooks/broken.md': BROKEN },
      },
    ]);
    model = await fakeAnthropic(
      routedTurns(
        { planner: [call('submit_plan', PLAN, PLANNER_USAGE), say('Planned.')], helper: [say('Hello.', HELPER_USAGE)] },
        (request) => (taskOf(request).startsWith('You are the planner of run') ? 'planner' : 'helper'),
      ),
    );
    world = await startAppWorld({ knownHostKey: true });
    await addRunHost(world, model.url, repo.dir);
    page = await world.browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await openApp(page, world);
  }, 150_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await page?.screenshot({ path: join(SCREENSHOTS, `failed-lib-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
  });

  afterAll(async () => {
    await world?.close();
    await model?.close();
    await repo?.cleanup();
  });

  it("opens the library by keyboard: the built-ins, the repo's override of one, its broken file as a problem", async () => {
    await page.keyboard.press('Control+Shift+B');
    const view = page.locator('.library-view');
    await view.locator('.runbook-row[data-runbook="add-feature"]').waitFor({ timeout: 60_000 });
    await expect(view.locator('select[name="repo"]').inputValue()).resolves.toBe('app');
    const names = await view.locator('.runbook-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-runbook')));
    expect(names).toEqual(['add-feature', 'fix-failing-tests', 'migrate-api', 'security-patch']);
    await expect(view.locator('.runbook-row[data-runbook="fix-failing-tests"]').textContent()).resolves.toContain('overrides the built-in');
    await expect(view.locator('.runbook-row[data-runbook="add-feature"] .source-tag').textContent()).resolves.toBe('built-in');
    const problems = await view.locator('[data-problem-file=".flightdeck/runbooks/broken.md"]').allTextContents();
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/broken\.md:\d+ roles: must have a planner role/)]));
    await shot(page, 'lib-runbooks');
    expect(await seriousViolations(page)).toEqual([]);

    // The cursor starts on the first runbook; j moves it, Enter opens.
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.locator('.library-view[data-opened="fix-failing-tests"]').waitFor();
    const detail = view.locator('.runbook-detail');
    await expect(detail.locator('tr[data-parameter="max_attempts"]').textContent()).resolves.toMatch(/whole number.*optional.*3/);
    await expect(detail.locator('tr[data-parameter="scope"]').textContent()).resolves.toContain('one of product-code, tests, either');
    await expect(detail.locator('tr[data-role="fixer"]').textContent()).resolves.toContain('builtin');
    // The learnings as Markdown, rendered: a list with emphasis, no raw asterisks.
    await expect(detail.getByRole('article', { name: 'Learnings of fix-failing-tests' }).locator('li strong').textContent()).resolves.toBe('Never');
    await shot(page, 'lib-runbook');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("generates the form from the runbook's parameter types and checks them before sending", async () => {
    await page.keyboard.press('s');
    const form = dialog('Start a run of fix-failing-tests');
    await form.waitFor();
    await expect(form.locator('textarea[name="test_command"]').inputValue()).resolves.toBe('node --test');
    await expect(form.locator('input[name="max_attempts"][type="number"]').inputValue()).resolves.toBe('3');
    await expect(form.locator('select[name="scope"]').inputValue()).resolves.toBe('either');
    await expect(form.locator('input[name="quarantine_flaky"][type="checkbox"]').isChecked()).resolves.toBe(false);
    await form.locator('input[name="max_attempts"]').fill('2.5');
    await page.keyboard.press('Control+Enter');
    await expect(form.locator('[data-parameter="max_attempts"] .field-error').textContent()).resolves.toBe('max_attempts must be a whole number (given: 2.5)');
    await expect(form.locator('input[name="max_attempts"]').getAttribute('aria-invalid')).resolves.toBe('true');
    await shot(page, 'lib-start-form-types');
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await page.locator('.library-view:not([data-opened]) .runbook-list').waitFor();
  });

  it('starts a run of add-feature: a missing feature is refused in the form, then the run view opens and the plan reaches the inbox', async () => {
    await page.keyboard.press('k');
    await page.keyboard.press('Enter');
    await page.locator('.library-view[data-opened="add-feature"]').waitFor();
    // Focus is on "Start a run…": Enter opens the form, its first parameter focused.
    await page.keyboard.press('Enter');
    const form = dialog('Start a run of add-feature');
    await form.waitFor();
    await expect(form.locator('textarea[name="feature"]').evaluate((element) => element === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press('Control+Enter');
    await expect(form.locator('[data-parameter="feature"] .field-error').textContent()).resolves.toBe('feature is required');
    await expect(form.locator('textarea[name="feature"]').evaluate((element) => element === document.activeElement)).resolves.toBe(true);
    expect((await (await world.core.host('vm').lane()).peer.request('run.list', {})).runs).toEqual([]);

    await page.keyboard.type('Greet verbosely with -v');
    await form.locator('textarea[name="area"]').fill('the cli');
    await shot(page, 'lib-start-form');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Control+Enter');
    const toast = page.locator('.toast', { hasText: 'Started vm/r-' });
    await toast.waitFor({ timeout: 90_000 });
    runId = /Started vm\/(r-[0-9a-f]+)/.exec((await toast.textContent()) ?? '')![1]!;
    await page.locator('.run-view').waitFor();
    await expect(page.locator('.run-view').textContent()).resolves.toContain(runId);
    await shot(page, 'lib-run-started');

    await page.keyboard.press('Control+Shift+E');
    const plan = page.locator('.inbox-row[data-kind="plan"]');
    await plan.waitFor({ timeout: 90_000 });
    await expect(plan.textContent()).resolves.toContain('Greet verbosely');
    const { runs } = await (await world.core.host('vm').lane()).peer.request('run.list', {});
    expect(runs.map((run) => [run.id, run.runbook.name, run.params])).toEqual([[runId, 'add-feature', { feature: 'Greet verbosely with -v', area: 'the cli' }]]);
  });

  it("lists the fleet's agents with tokens and cost, launches one, sorts by cost and totals the run", async () => {
    const planner = `${runId}-planner`;
    await page.keyboard.press('Control+Shift+L');
    await agentRow(planner).locator('[data-cell="cost"]', { hasText: '$0.1500' }).waitFor({ timeout: 60_000 });
    await expect(agentRow(planner).locator('[data-cell="tokens"]').textContent()).resolves.toBe('40k in / 2000 out');
    await expect(agentRow(planner).locator('td').nth(3).textContent()).resolves.toBe(runId);
    await expect(agentRow(planner).locator('.badge').getAttribute('data-status')).resolves.toBe('waiting-for-human');

    await page.getByRole('button', { name: 'Launch agent…' }).first().click();
    const start = dialog('Start an agent');
    await start.locator('select[name="repo"]').waitFor();
    await start.locator('select[name="profile"]').selectOption('builtin');
    await start.locator('input[name="name"]').fill('helper');
    await start.locator('textarea[name="task"]').fill('Say hello.');
    await page.keyboard.press('Control+Enter');
    await start.waitFor({ state: 'detached', timeout: 90_000 });
    // Starting opened the agent's terminal; the agents view is a shortcut away.
    await page.locator('.workspace-frame[data-view="terminals"]').waitFor();
    await page.keyboard.press('Control+Shift+L');
    await agentRow('helper').locator('[data-cell="cost"]', { hasText: '$0.0009' }).waitFor({ timeout: 60_000 });

    const cost = page.locator('.agents-table th[data-column="cost"]');
    await cost.getByRole('button').click();
    await expect(cost.getAttribute('aria-sort')).resolves.toBe('descending');
    expect(await agentNames()).toEqual([planner, 'helper']);
    // From the keyboard: the header's button is focused after the click; Enter flips the order.
    await page.keyboard.press('Enter');
    await expect(cost.getAttribute('aria-sort')).resolves.toBe('ascending');
    expect(await agentNames()).toEqual(['helper', planner]);
    await expect(page.locator('.agents-table th[data-column="name"]').getAttribute('aria-sort')).resolves.toBeNull();

    const total = page.locator(`.totals-table tr[data-run="${runId}"]`);
    await expect(total.locator('td').nth(1).textContent()).resolves.toBe('1');
    await expect(total.locator('[data-cell="cost"]').textContent()).resolves.toBe('$0.1500');
    await expect(page.locator('.totals-table tfoot [data-cell="cost"]').textContent()).resolves.toBe('$0.1509');
    await shot(page, 'lib-agents');
    expect(await seriousViolations(page)).toEqual([]);

    // `/` goes to the filter; every word must match.
    await page.locator('.agents-view h1').click();
    await page.keyboard.press('/');
    await page.keyboard.type(`${runId} waiting`);
    expect(await agentNames()).toEqual([planner]);
    await shot(page, 'lib-agents-filtered');
    await page.keyboard.press('Escape');
    expect(await agentNames()).toEqual(['helper', planner]);

    // A row opens the agent's terminal.
    await agentRow(planner).locator('td').nth(4).click();
    await page.locator('.workspace-frame[data-view="terminals"]').waitFor();
  });

  it('shows the agents and the runbooks of a host that went away as last known, with the host marked', async () => {
    await world.sshd.stop();
    await page.keyboard.press('Control+Shift+L');
    await page.locator('[data-host-problem="vm"]').waitFor({ timeout: 60_000 });
    await expect(page.locator('[data-host-problem="vm"]').textContent()).resolves.toMatch(/vm is (reconnecting|not connected|failed|connecting): its 2 agents as last heard/);
    await agentRow('helper').locator('.host-away').waitFor();
    await shot(page, 'lib-agents-offline');
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('Control+Shift+B');
    await page.locator('[data-host-offline="vm"]').waitFor();
    await expect(page.locator('[data-host-offline="vm"]').textContent()).resolves.toMatch(/runbooks are read from the host; shown as read/);
    await page.locator('.library-view .stale-tag').waitFor();
    await page.locator('.runbook-row[data-runbook="add-feature"]').waitFor();
    await shot(page, 'lib-runbooks-offline');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
