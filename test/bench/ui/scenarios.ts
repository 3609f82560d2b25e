// The UI bench's three scenarios, each driven by real input (CDP key presses, clicks, drags and wheel turns) in headless
// Chromium on the built renderer, and timed in the page (pageProbes.ts). Each starts from its own view, so rounds
// may run them in any order.
import type { Page } from 'playwright-core';
import { percentile } from '../stats';
import { frameGapsDuring, timeInputToState, timeInputToStates } from './pageProbes';
import { BIG_DIFF_ITEM, BIG_RUN } from './syntheticFleet';

/** 60 Hz: a frame gap above this is a dropped frame. */
export const FRAME_BUDGET_MS = 1000 / 60;

async function showRuns(page: Page): Promise<void> {
  await page.keyboard.press('Control+Shift+G');
  await page.locator(`.runs-table tr[data-run="${BIG_RUN}"] .run-open`).waitFor();
}

async function showInbox(page: Page): Promise<void> {
  await page.keyboard.press('Control+Shift+E');
  await page.locator('.inbox-view .inbox-row').first().waitFor();
}

/**
 * The run of a 300-step plan: from the click that opens it to the frame that paints the laid-out graph (runs.show over
 * the socket, the graph's chunk, ELK in its worker, React Flow); then drags and wheel zooms for `panMs`, frame gaps
 * recorded meanwhile.
 */
export async function planGraphRound(page: Page, panMs: number): Promise<Record<string, number>> {
  await showRuns(page);
  const graph = '.run-view [data-testid="plan-graph"][data-laid-out="true"] .react-flow__node';
  const laidOutMs = await timeInputToState(page, 'click', { selectors: [graph] }, () => page.locator(`.runs-table tr[data-run="${BIG_RUN}"] .run-open`).click());
  const frame = await page.locator('.run-view [data-testid="plan-graph"]').boundingBox();
  if (!frame) throw new Error('the plan graph has no box on screen');
  // Drags start in the graph's empty top-left margin (fitView leaves one) and come back, so no step is ever clicked.
  const x = frame.x + 12;
  const y = frame.y + 12;
  const gaps = await frameGapsDuring(page, async () => {
    const until = Date.now() + panMs;
    for (let turn = 0; Date.now() < until; turn++) {
      const direction = turn % 2 === 0 ? 1 : -1;
      await page.mouse.move(x, y);
      await page.mouse.down();
      for (let step = 1; step <= 12; step++) await page.mouse.move(x + direction * step * 14, y + direction * step * 6);
      await page.mouse.up();
      await page.mouse.move(x, y);
      await page.mouse.wheel(0, direction * -200);
    }
  });
  if (gaps.length < 10) throw new Error(`only ${gaps.length} frames in ${panMs} ms of panning`);
  return {
    laidOutMs,
    frameP50: percentile(gaps, 50),
    frameP95: percentile(gaps, 95),
    frameMax: Math.max(...gaps),
    slowFramesPct: (100 * gaps.filter((gap) => gap > FRAME_BUDGET_MS + 0.5).length) / gaps.length,
  };
}

/** The cursor's item in the inbox list (the listbox names it as its active descendant). */
async function selectedItem(page: Page): Promise<string> {
  const id = await page.locator('.inbox-list').getAttribute('aria-activedescendant');
  const item = id ? await page.locator(`[id="${id}"]`).getAttribute('data-item') : null;
  if (!item) throw new Error('no inbox item under the cursor');
  return item;
}

/**
 * The inbox of 500 items: `count` items, every `stride`-th, each opened with Enter and timed to the frame that paints
 * it ready to decide (inbox.show over the socket, the kind's view, the decision bar enabled); Esc goes back.
 */
export async function inboxRound(page: Page, count: number, stride: number): Promise<Record<string, number>> {
  await showInbox(page);
  await page.locator('.inbox-list').focus();
  await page.keyboard.press('Home');
  const times: number[] = [];
  for (let opened = 0; opened < count; opened++) {
    for (let step = 0; step < stride; step++) await page.keyboard.press('j');
    const item = await selectedItem(page);
    const ready = `.item-view[data-item="${item}"] .decision-actions button.primary:not([disabled])`;
    times.push(await timeInputToState(page, 'Enter', { selectors: [ready] }, () => page.keyboard.press('Enter')));
    await page.keyboard.press('Escape');
    await page.locator('.inbox-view .inbox-list').waitFor();
  }
  return { openP50: percentile(times, 50), openP95: percentile(times, 95) };
}

/**
 * The checkpoint whose diff changes 5,000 lines: from the click on its row to the frame that paints the diff (plain),
 * and to the frame that paints every shown file highlighted (the worker's answers). `view` is set first, as a person
 * would: v in a diff switches the layout and is remembered.
 */
export async function bigDiffRound(page: Page, view: 'split' | 'unified'): Promise<Record<string, number>> {
  await showInbox(page);
  const row = page.locator(`.inbox-row[data-item="${BIG_DIFF_ITEM}"]`);
  const viewer = `.item-view[data-item="${BIG_DIFF_ITEM}"] .diff-viewer`;
  await row.click();
  await page.locator(`${viewer} .diff-file`).first().waitFor({ timeout: 60_000 });
  if ((await page.locator(viewer).getAttribute('data-view')) !== view) await page.keyboard.press('v');
  await page.locator(`${viewer}[data-view="${view}"]`).waitFor();
  await showInbox(page);
  const shown = `${viewer}[data-view="${view}"] .diff-file table`;
  const [renderedMs, highlightedMs] = await timeInputToStates(page, 'click', [{ selectors: [shown] }, { selectors: [shown], absent: `${viewer} .diff-file[data-highlight="pending"]` }], () => row.click());
  return { renderedMs: renderedMs!, highlightedMs: highlightedMs! };
}
