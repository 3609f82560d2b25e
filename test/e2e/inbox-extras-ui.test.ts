// The inbox's extras in Chromium through browser mode, against the real core, a real sshd, a real agent-host and
// built-in agents on the scripted model: a run's plan arriving raises a desktop notification (the page calls the real
// Notification API; an init script only records the calls) whose click opens it; a step's escalation shows its
// resolutions and its agent's live terminal beside it; the step's checkpoint diff is
// syntax-highlighted; the retrospective's proposed learnings show as a list, a broken edit is refused line by line, and
// the list approved as edited lands on the run's branch. Screenshots and an axe check of every view.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import { fakeAnthropic, type FakeAnthropic } from '../harness/fake-anthropic';
import { call, say, shell } from '../harness/scriptedTurns';
import { makeRepo, type TestRepo } from '../harness/repo';
import { routedTurns } from '../integration/agents/routedModel';
import { SCREENSHOTS, addRunHost, buildRenderer, openApp, shot, startAppWorld, type AppWorld } from './app';
import { seriousViolations } from './axe';

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
  impact: { components: ['cli'], breaking_changes: [], testing: ['node greet.js -v'] },
  rollback: ['Revert the merge.'],
  questions: [],
};
const RUNBOOK_LEARNING = 'Run the linter before calling checkpoint.';
const EDITED_LEARNING = 'Run `npm run lint` before every checkpoint, and say so in its summary.';
const REPO_LEARNING = 'The greeter lives in greet.js; keep its output on one line.';
const EVIDENCE = 'The checkpoint of step flag was rejected: the linter failed.';

/** What the init script records of the page's own `new Notification(...)` calls: observation only, the API is real. */
const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  const made = [];
  window.__notifications = made;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      made.push(this);
    }
  };
})();`;

interface Recorded {
  __notifications: Notification[];
}

describe('inbox extras: notifications, highlighted diffs, learnings (browser mode, real core, sshd, agent-host)', { timeout: 180_000 }, () => {
  let world: AppWorld;
  let repo: TestRepo;
  let model: FakeAnthropic;
  let context: BrowserContext;
  let page: Page;
  let runId = '';
  const row = (kind: string, extra = '') => page.locator(`.inbox-row[data-kind="${kind}"]${extra}`);

  beforeAll(async () => {
    await buildRenderer();
    repo = await makeRepo([{ message: 'A greeter', files: { 'greet.js': 'console.log("hello");\n', 'README.md': 'greeter\n' } }]);
    model = await fakeAnthropic(
      routedTurns({
        planner: [call('submit_plan', PLAN), say('Planned.')],
        flag: [
          call('escalate', { problem: 'Should -v print the version too?', context: 'The README mentions a version nowhere.', suggested_resolutions: ['Only the verbose greeting', 'The version too'] }),
          shell('printf \'const verbose = process.argv.includes("-v"); // -v\\nconsole.log(verbose ? "hello, verbosely" : "hello");\\n\' > greet.js && git commit -qam "flag: -v" && echo committed'),
          call('checkpoint', { summary: 'greet.js takes -v', tests_run: ['node greet.js -v'] }),
          shell('git commit -q --allow-empty -m "flag: linted" && echo linted'),
          call('checkpoint', { summary: 'greet.js takes -v, linted', tests_run: ['node greet.js -v'] }),
          say('Step done.'),
        ],
        retro: [
          call('propose_learnings', {
            learnings: [
              { text: RUNBOOK_LEARNING, applies_to: 'runbook', evidence: EVIDENCE },
              { text: REPO_LEARNING, applies_to: 'repo' },
            ],
          }),
          say('Proposed.'),
        ],
      }),
    );
    world = await startAppWorld({ knownHostKey: true });
    await addRunHost(world, model.url, repo.dir);
    context = await world.browser.browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.grantPermissions(['notifications'], { origin: new URL(world.server.url).origin });
    await context.addInitScript(RECORD_NOTIFICATIONS);
    page = await context.newPage();
    await openApp(page, world);
    // The inbox list is in: what arrives from now on is new.
    await page.keyboard.press('Control+Shift+E');
    await page.getByRole('heading', { name: 'Nothing waits on you' }).waitFor();
    await expect(page.getByRole('button', { name: 'Notifications' }).getAttribute('aria-pressed')).resolves.toBe('true');
    await page.keyboard.press('Control+Shift+G');
  }, 150_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await page?.screenshot({ path: join(SCREENSHOTS, `failed-inbox-extras-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
  });

  afterAll(async () => {
    await context?.close();
    await world?.close();
    await model?.close();
    await repo?.cleanup();
  });

  it("raises a desktop notification for a new item while the inbox is not in view; its click opens the item", async () => {
    const lane = await world.core.host('vm').lane();
    const { run } = await lane.peer.request('run.start', { runbook: 'add-feature', repo: 'app', params: { feature: 'greet verbosely' } }, { timeoutMs: 0 });
    runId = run.id;
    await page.waitForFunction(() => (window as unknown as Recorded).__notifications.length > 0, null, { timeout: 90_000 });
    const [notification] = await page.evaluate(() => (window as unknown as Recorded).__notifications.map((made) => ({ title: made.title, body: made.body, tag: made.tag })));
    expect(notification).toEqual({ title: 'Plan: v1: Greet verbosely', body: expect.stringMatching(new RegExp(`^Waits on you on vm · ${runId}`)), tag: 'flightdeck-inbox' });
    await page.waitForFunction(() => document.title === '(1) Flightdeck');

    // A click on the notification (the OS delivers it as a click event on the object the page made) opens the item.
    await page.evaluate(() => (window as unknown as Recorded).__notifications[0]!.dispatchEvent(new Event('click')));
    const review = page.locator(`.item-view[data-item="pl-${runId}-1"][data-kind="plan"]`);
    await review.getByRole('article', { name: 'Plan v1' }).waitFor();
    await shot(page, 'inbox-notification-opened');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('a');
    await page.locator('.toast', { hasText: `Approved: vm/pl-${runId}-1` }).waitFor();
  });

  it("shows an escalation's suggested resolutions and its agent's live terminal beside it", async () => {
    await page.keyboard.press('Control+Shift+E');
    await row('escalation').waitFor({ timeout: 90_000 });
    await page.keyboard.press('Enter');
    const view = page.locator('.item-view[data-kind="escalation"]');
    const options = view.getByRole('group', { name: 'Decision' }).locator('button.option');
    await options.nth(1).waitFor();
    await expect(options.allTextContents()).resolves.toEqual(['1 Only the verbose greeting', '2 The version too']);
    await shot(page, 'inbox-escalation');
    expect(await seriousViolations(page)).toEqual([]);
    // No axe check with the terminal open: its tab bar and xterm's dim text are the terminal area's (runs-ui.test.ts
    // leaves its graph-beside-terminal shot unchecked too).
    await view.getByRole('button', { name: "Open the agent's terminal" }).click();
    await page.locator('.workspace-frame.with-terminals .terminal-frame [data-terminal]').waitFor();
    await expect(view.isVisible()).resolves.toBe(true);
    await shot(page, 'inbox-escalation-terminal');
    await options.first().click();
    await page.locator('.toast', { hasText: 'Answered: vm/' }).waitFor();
    await page.locator('.workspace-frame:not(.with-terminals)').waitFor();
  });

  it("shows the step's checkpoint diff highlighted by its file type", async () => {
    await page.keyboard.press('Control+Shift+E');
    await row('checkpoint').waitFor({ timeout: 90_000 });
    await page.keyboard.press('Enter');
    const view = page.locator('.item-view[data-kind="checkpoint"]');
    const file = view.locator('.diff-file[data-highlight="done"]', { hasText: 'greet.js' });
    await file.locator('.token').first().waitFor({ timeout: 60_000 });
    await expect(file.locator('.token.keyword', { hasText: 'const' }).count()).resolves.toBeGreaterThan(0);
    await expect(file.locator('.token.string', { hasText: '"hello, verbosely"' }).count()).resolves.toBeGreaterThan(0);
    await expect(file.locator('.token.comment', { hasText: '// -v' }).count()).resolves.toBeGreaterThan(0);
    await shot(page, 'checkpoint-highlighted');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('v');
    await view.locator('.diff-viewer[data-view="unified"] .diff-file[data-highlight="done"] .token.keyword').first().waitFor();
    await shot(page, 'checkpoint-highlighted-unified');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('v');

    // Sent back with feedback (the retrospective's evidence), then the rework and the phase approved: the run is done.
    const first = await view.getAttribute('data-item');
    await page.keyboard.press('r');
    await page.keyboard.type('The linter fails: run it before the checkpoint.');
    await page.keyboard.press('Control+Enter');
    await page.locator('.toast', { hasText: `Sent back: vm/${first}` }).waitFor();
    const lane = await world.core.host('vm').lane();
    for (const next of [`:not([data-item="${first}"])`, '']) {
      await row('checkpoint', next).waitFor({ timeout: 90_000 });
      const id = (await row('checkpoint', next).getAttribute('data-item'))!;
      await lane.peer.request('inbox.decide', { item: id, decision: 'approve' }, { timeoutMs: 0 });
      await page.locator(`.inbox-row[data-item="${id}"]`).waitFor({ state: 'detached', timeout: 90_000 });
    }
  });

  it('shows the proposed learnings as a list and approves them with the list as edited', async () => {
    const item = row('learnings');
    await item.waitFor({ timeout: 90_000 });
    await item.click();
    const view = page.locator(`.item-view[data-item="ln-${runId}-1"]`);
    const learnings = view.locator('.learning-list .learning');
    await learnings.first().waitFor();
    await expect(learnings.allTextContents()).resolves.toEqual([`runbook${RUNBOOK_LEARNING}Evidence: ${EVIDENCE}`, `repo${REPO_LEARNING}`]);
    const editor = view.getByRole('textbox', { name: 'The list to accept' });
    const proposed = await editor.inputValue();
    expect(proposed).toContain(`- [runbook] ${RUNBOOK_LEARNING}\n`);
    expect(proposed).toContain(`  <!-- evidence: ${EVIDENCE} -->`);

    // A line that is no learning is refused before anything is sent, naming the line.
    await editor.fill(`${proposed}A stray line\n`);
    await expect(view.getByRole('alert', { name: 'Problems in the edited list' }).textContent()).resolves.toMatch(/line \d+: not a learning/);
    await expect(view.getByTestId('approve').isDisabled()).resolves.toBe(true);
    await shot(page, 'inbox-learnings-invalid');

    await editor.fill(proposed.replace(RUNBOOK_LEARNING, EDITED_LEARNING));
    await expect(view.locator('.learning-status').textContent()).resolves.toContain('Approve accepts 2 learnings, as edited.');
    await shot(page, 'inbox-learnings');
    expect(await seriousViolations(page)).toEqual([]);
    await view.getByRole('button', { name: /Approve as edited/ }).click();
    await page.locator('.toast', { hasText: `Approved: vm/ln-${runId}-1` }).waitFor();

    const show = (path: string) => execFileSync('git', ['-C', join(world.hostDir, 'repos', 'app.git'), 'show', `flightdeck-run/${runId}:${path}`], { encoding: 'utf8' });
    expect(show('.flightdeck/runbooks/add-feature.md')).toContain(EDITED_LEARNING);
    expect(show('.flightdeck/runbooks/add-feature.md')).not.toContain(RUNBOOK_LEARNING);
    expect(show('.flightdeck/context/learnings.md')).toContain(REPO_LEARNING);
  });
});
