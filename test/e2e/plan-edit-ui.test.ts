// Editing a plan in its review, in Chromium through browser mode against the real core, a real sshd, a real
// agent-host and built-in agents on the scripted model: a step retitled, a dependency dragged in the graph that would
// make a cycle refused with the cycle named, a valid one dragged (removed and given back by keyboard), a constraint
// added, saved as v2 (the inbox item becomes pl-<run>-2); v1 and v2 side by side; v2 approved; the run's graph with
// the new edge and its costs; the run paused, resumed and cancelled; the step agent's prompt carries the constraint.
// Screenshots and axe on each view.
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import { fakeAnthropic, type FakeAnthropic, type ScriptedTurn } from '../harness/fake-anthropic';
import { call, say } from '../harness/scriptedTurns';
import { makeRepo, type TestRepo } from '../harness/repo';
import { routedTurns, runAgentOf, taskOf } from '../integration/agents/routedModel';
import { SCREENSHOTS, addRunHost, buildRenderer, openApp, shot, startAppWorld, type AppWorld } from './app';
import { seriousViolations } from './axe';

const step = (id: string, title: string, depends_on: string[] = []) => ({ id, title, description: `Do ${id}.`, role: 'implementer', depends_on, checkpoint: false });

const PLAN: Plan = {
  title: 'Greet verbosely',
  summary: 'A `-v` flag for the greeter, printed and documented.',
  analysis: { touchpoints: ['greet.js', 'README.md'], dependencies: [], risks: [] },
  phases: [{ id: 'build', title: 'Build', estimate_hours: 3, steps: [step('core', 'Parse -v'), step('cli', 'Print verbosely', ['core']), step('docs', 'Document -v')] }],
  impact: { components: ['cli'], breaking_changes: [], testing: ['node greet.js -v'] },
  rollback: ['Revert the merges.'],
  questions: [],
};
const CONSTRAINT = 'No new runtime dependencies';
const NEW_TITLE = 'Print the greeting verbosely';

/** Step agents wait on the model until the test is over: the run stays running for pause, resume and cancel. */
let release: () => void = () => undefined;
const over = new Promise<void>((resolve) => (release = resolve));
const held: ScriptedTurn = () => over.then(() => say('Stopping.'));

/** A drag from one element's centre to another's, as a person does it with the mouse. */
async function drag(page: Page, from: Locator, to: Locator): Promise<void> {
  const start = (await from.boundingBox())!;
  const end = (await to.boundingBox())!;
  await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
  await page.mouse.down();
  await page.mouse.move(end.x + end.width / 2, end.y + end.height / 2, { steps: 12 });
  await page.mouse.up();
}

describe('editing a plan, its versions and the run controls (browser mode, real core, sshd, agent-host, built-in agents)', { timeout: 180_000 }, () => {
  let world: AppWorld;
  let repo: TestRepo;
  let model: FakeAnthropic;
  let page: Page;
  let runId = '';

  beforeAll(async () => {
    await buildRenderer();
    repo = await makeRepo([{ message: 'A greeter', files: { 'greet.js': 'console.log("hello");\n', 'README.md': 'greeter\n' } }]);
    model = await fakeAnthropic(
      routedTurns({
        planner: [call('submit_plan', PLAN), say('Planned.')],
        core: [call('run_command', { command: 'echo reading greet.js' }), held, held, held],
        cli: [held, held],
        docs: [held, held],
      }),
    );
    world = await startAppWorld({ knownHostKey: true });
    await addRunHost(world, model.url, repo.dir);
    page = await world.browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await openApp(page, world);
  }, 150_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await page?.screenshot({ path: join(SCREENSHOTS, `failed-plan-edit-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
  });

  afterAll(async () => {
    release();
    await world?.close();
    await model?.close();
    await repo?.cleanup();
  });

  it('edits the plan in its review: a title, a cycle refused by name, a dependency dragged, a constraint; saved as v2', async () => {
    const lane = await world.core.host('vm').lane();
    const { run } = await lane.peer.request('run.start', { runbook: 'add-feature', repo: 'app', params: { feature: 'greet verbosely' } }, { timeoutMs: 0 });
    runId = run.id;
    await page.keyboard.press('Control+Shift+E');
    await page.locator(`.inbox-row[data-item="pl-${runId}-1"]`).waitFor({ timeout: 90_000 });
    await page.keyboard.press('Enter');
    const review = page.locator(`.item-view[data-item="pl-${runId}-1"]`);
    await review.locator('[data-testid="plan-graph"][data-laid-out="true"] [data-step="core"]').waitFor();

    await page.keyboard.press('e');
    const editor = review.locator('[data-testid="plan-editor"]');
    const graph = editor.locator('[data-testid="plan-graph"][data-laid-out="true"]');
    await graph.locator('.step-node[data-step="cli"]').waitFor();
    await editor.getByLabel('Title of step cli').fill(NEW_TITLE);
    await graph.locator('.step-node[data-step="cli"] .step-node-title', { hasText: NEW_TITLE }).waitFor();
    // Deciding waits while the plan is edited; Esc asks before dropping the change, and Esc again keeps editing.
    await editor.getByLabel('Title of step cli').blur();
    await page.keyboard.press('a');
    await editor.getByRole('status').filter({ hasText: 'Deciding waits while you edit' }).waitFor();
    await page.keyboard.press('Escape');
    await editor.getByRole('alertdialog', { name: 'Discard your changes?' }).waitFor();
    await page.keyboard.press('Escape');
    await editor.getByRole('alertdialog').waitFor({ state: 'detached' });
    await shot(page, 'plan-edit');
    expect(await seriousViolations(page)).toEqual([]);

    // core depending on cli, which depends on core: refused, the cycle named.
    const handle = (id: string, type: 'source' | 'target') => graph.locator(`.step-node[data-step="${id}"] .react-flow__handle.${type}`);
    await drag(page, handle('cli', 'source'), handle('core', 'target'));
    const refusal = editor.locator('[data-testid="edit-refusal"]');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toContain('dependency cycle: core → cli → core');
    await expect(graph.locator('[aria-label="core depends on cli"]').count()).resolves.toBe(0);
    await shot(page, 'plan-edit-cycle');
    expect(await seriousViolations(page)).toEqual([]);

    await drag(page, handle('core', 'source'), handle('docs', 'target'));
    const edge = editor.locator('[data-testid="plan-graph"][data-laid-out="true"] [aria-label="docs depends on core"]');
    await edge.waitFor();
    await refusal.waitFor({ state: 'detached' });
    // By keyboard: the arrow selected and deleted in the graph, then the dependency given back in the step's fields.
    await edge.focus();
    await page.keyboard.press('Enter');
    await editor.locator('.graph-edit-hint').getByRole('button', { name: 'Remove: docs depends on core' }).waitFor();
    await page.keyboard.press('Delete');
    await edge.waitFor({ state: 'detached' });
    await editor.getByLabel('Add a step docs depends on').selectOption('core');
    await edge.waitFor();

    await editor.getByLabel('New constraint').fill(CONSTRAINT);
    await editor.getByLabel('New constraint').press('Enter');
    await editor.getByRole('list', { name: 'Constraints' }).getByText(CONSTRAINT).waitFor();
    await editor.getByLabel('Note for the new version (optional)').fill('docs after core; no new dependencies');
    await page.keyboard.press('Control+s');

    await page.locator('.toast', { hasText: `Saved v2 of vm/${runId}` }).waitFor();
    await page.locator(`.item-view[data-item="pl-${runId}-2"] [data-testid="plan-graph"][data-laid-out="true"]`).waitFor();
    await page.keyboard.press('Escape');
    await page.locator(`.inbox-row[data-item="pl-${runId}-2"]`).waitFor();
    await expect(page.locator(`.inbox-row[data-item="pl-${runId}-1"]`).count()).resolves.toBe(0);
  });

  it('shows v1 and v2 side by side with the changes marked, then approves v2', async () => {
    await page.locator(`.inbox-row[data-item="pl-${runId}-2"]`).click();
    const review = page.locator(`.item-view[data-item="pl-${runId}-2"]`);
    await review.locator('[data-testid="plan-versions"]').click();
    const versions = review.locator('.plan-versions[data-before="1"][data-after="2"]');
    await versions.locator('.versions-diff').waitFor();
    await expect(versions.locator('.version-before').textContent()).resolves.toMatch(new RegExp(`^v1 superseded\\s*by agent:${runId}-planner`));
    await expect(versions.locator('.version-after').textContent()).resolves.toMatch(/^v2 awaiting approval.*Note: docs after core; no new dependencies$/);
    const changed = versions.locator('.versions-row[data-kind="changed"]', { hasText: 'step cli:' });
    await expect(changed.locator('ins').textContent().then((text) => text?.trim())).resolves.toBe('the greeting');
    await expect(changed.locator('td.versions-text').first().textContent()).resolves.toBe('  step cli: Print verbosely');
    await versions.locator('.versions-row[data-kind="added"]', { hasText: `constraint: ${CONSTRAINT}` }).waitFor();
    await versions.locator('.versions-row[data-kind="changed"] ins', { hasText: 'core' }).waitFor();
    await shot(page, 'plan-versions');
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('a');
    await page.locator('.toast', { hasText: `Approved: vm/pl-${runId}-2` }).waitFor();
  });

  it("runs the edited plan: the new edge, each step's cost, the constraint in the step's prompt; pause, resume, cancel", async () => {
    await page.keyboard.press('Control+Shift+G');
    await page.locator(`.runs-table tr[data-run="${runId}"] .run-open`).click();
    const view = page.locator(`.run-view[data-run="${runId}"]`);
    const graph = view.locator('[data-testid="plan-graph"][data-laid-out="true"]');
    await graph.locator('[aria-label="docs depends on core"]').waitFor();
    await graph.locator('.step-node[data-step="cli"] .step-node-title', { hasText: NEW_TITLE }).waitFor();
    // The core step's agent had a turn: its tokens (and price) show on its node and in the run's total.
    await graph.locator('.step-node[data-step="core"] .step-cost', { hasText: /[1-9]\d*k? tok$/ }).waitFor({ timeout: 90_000 });
    await view.locator('[data-testid="run-cost"]', { hasText: /tokens$/ }).waitFor();

    const lane = await world.core.host('vm').lane();
    const { prompts } = await lane.peer.request('run.show', { run: runId });
    expect(prompts.find((prompt) => prompt.step === 'core')?.prompt).toContain(`## Constraints (keep every one)\n- ${CONSTRAINT}`);
    const core = model.requests.filter((request) => request.path === '/v1/messages' && runAgentOf(request) === 'core');
    expect(core.length).toBeGreaterThan(0);
    expect(core.every((request) => taskOf(request).includes(CONSTRAINT))).toBe(true);

    const control = (name: string) => view.locator(`[data-control="${name}"]`);
    await control('pause').click();
    await page.locator(`.run-view[data-run="${runId}"][data-state="paused"]`).waitFor();
    await control('resume').waitFor();
    await expect(control('cancel').isEnabled()).resolves.toBe(true);
    await shot(page, 'run-controls');
    expect(await seriousViolations(page)).toEqual([]);
    await control('resume').focus();
    await page.keyboard.press('Enter');
    await page.locator(`.run-view[data-run="${runId}"][data-state="running"]`).waitFor();

    await control('cancel').click();
    const confirm = view.getByRole('alertdialog', { name: `Cancel ${runId}?` });
    await expect(confirm.textContent()).resolves.toContain('worktrees and branches stay');
    await shot(page, 'run-cancel');
    expect(await seriousViolations(page)).toEqual([]);
    await confirm.locator('[data-testid="confirm-cancel"]').click();
    await page.locator(`.run-view[data-run="${runId}"][data-state="cancelled"]`).waitFor();
    await expect(control('cancel').getAttribute('title')).resolves.toBe('The run is cancelled: nothing is left to cancel');
    await expect(control('pause').isDisabled()).resolves.toBe(true);
  });
});
