// The control room under load (issue 14): the built renderer in headless Chromium (browser mode), fed through its real
// AppApi client path (WebSocket, RpcPeer, zod) by a bench-only endpoint that serves a synthetic fleet: a 300-step plan,
// 500 waiting items, a 5,000-line diff. BENCH_ONLY=ui runs it alone.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { WebServer } from '../../../main/web/server';
import { buildRenderer, ROOT } from '../../e2e/app';
import { launchBrowser, type LaunchedBrowser } from '../../harness/browser';
import type { BenchContext } from '../context';
import type { Group, Target } from '../suite';
import { preparePage } from '../ui/pageProbes';
import { bigDiffRound, FRAME_BUDGET_MS, inboxRound, planGraphRound } from '../ui/scenarios';
import { serveSyntheticFleet } from '../ui/syntheticApi';
import { BENCH_HOST, syntheticFleet, UI_SIZES } from '../ui/syntheticFleet';

const GRAPH = `Plan graph, ${UI_SIZES.steps} steps`;
const INBOX = `Inbox, ${UI_SIZES.items} items`;
const SPLIT = `Diff, ${(UI_SIZES.diffFiles * UI_SIZES.changedLinesPerFile).toLocaleString('en-US')} changed lines, split`;
const UNIFIED = `Diff, ${(UI_SIZES.diffFiles * UI_SIZES.changedLinesPerFile).toLocaleString('en-US')} changed lines, unified`;

/** Reported, not bounded: a figure to watch across runs. */
function info(metric: string, contender: string, text: string, unit = 'ms'): Target {
  return {
    metric,
    text,
    check: (median) => {
      const value = median(contender);
      return value === undefined ? undefined : { measured: `${value.toFixed(1)} ${unit}`, pass: null };
    },
  };
}

export function uiGroup(context: BenchContext): Group {
  const fleet = syntheticFleet();
  const panMs = context.quick ? 1000 : 3000;
  const itemsOpened = context.quick ? 5 : 20;
  let server: WebServer | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page | undefined;
  const on = () => page!;
  return {
    id: 'ui',
    title: `Control room UI: a ${UI_SIZES.steps}-step plan graph, an inbox of ${UI_SIZES.items} items, a ${(UI_SIZES.diffFiles * UI_SIZES.changedLinesPerFile).toLocaleString('en-US')}-line diff (headless Chromium)`,
    metrics: [
      { key: 'laidOutMs', label: 'click to laid-out graph painted', unit: 'ms', better: 'lower', digits: 0 },
      { key: 'frameP50', label: 'pan/zoom frame gap p50', unit: 'ms', better: 'lower', digits: 1 },
      { key: 'frameP95', label: 'pan/zoom frame gap p95', unit: 'ms', better: 'lower', digits: 1 },
      { key: 'frameMax', label: 'pan/zoom frame gap max', unit: 'ms', better: 'lower', digits: 1 },
      { key: 'slowFramesPct', label: `pan/zoom frames over ${FRAME_BUDGET_MS.toFixed(1)} ms`, unit: '%', better: 'lower', digits: 1 },
      { key: 'openP50', label: `Enter to item ready, p50 of ${itemsOpened}`, unit: 'ms', better: 'lower', digits: 1 },
      { key: 'openP95', label: `Enter to item ready, p95 of ${itemsOpened}`, unit: 'ms', better: 'lower', digits: 1 },
      { key: 'renderedMs', label: 'click to diff painted', unit: 'ms', better: 'lower', digits: 0 },
      { key: 'highlightedMs', label: 'click to diff painted highlighted', unit: 'ms', better: 'lower', digits: 0 },
    ],
    rounds: context.quick ? 1 : 3,
    budgetMs: 75_000,
    async setup() {
      await buildRenderer();
      server = await serveSyntheticFleet(fleet, join(ROOT, 'out/renderer'));
      browser = await launchBrowser();
      page = await browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
      page.on('pageerror', (error) => context.log(`  ui: page error: ${error.message}`));
      await page.goto(server.url);
      await page.locator(`[data-host="${BENCH_HOST}"].host-connected`).waitFor({ timeout: 60_000 });
      await preparePage(page);
    },
    async teardown() {
      await browser?.close();
      await server?.close();
    },
    contenders: [
      { name: GRAPH, run: () => planGraphRound(on(), panMs) },
      { name: INBOX, run: () => inboxRound(on(), itemsOpened, 7) },
      { name: SPLIT, run: () => bigDiffRound(on(), 'split') },
      { name: UNIFIED, run: () => bigDiffRound(on(), 'unified') },
    ],
    targets: [
      {
        metric: 'renderedMs',
        text: 'UI: a 5,000-line diff (split, highlighting on) painted < 1 s after the click',
        check: (median) => {
          const ms = median(SPLIT);
          return ms === undefined ? undefined : { measured: `${ms.toFixed(0)} ms`, pass: ms < 1000 };
        },
      },
      info('highlightedMs', SPLIT, 'UI: the same diff painted highlighted (worker), split'),
      info('openP50', INBOX, `UI: an inbox item (of ${UI_SIZES.items}) ready to decide after Enter, p50`),
      info('laidOutMs', GRAPH, `UI: a ${UI_SIZES.steps}-step plan graph laid out and painted after the click`),
      info('frameP95', GRAPH, 'UI: panning/zooming that graph, frame gap p95'),
    ],
    notes: [
      'Data: a bench-only AppApi endpoint (test/bench/ui/syntheticApi.ts) is browser mode\'s own web server (main/web/server.ts: static files, token, WebSocket transport) whose AppApi is answered from a synthetic fleet (test/bench/ui/syntheticFleet.ts) instead of FleetCore: no real host cheaply holds 500 pending items and a 300-step plan. The page takes its real client path: WebSocket, RpcPeer, zod validation of every message, the store, the views.',
      'Browser: Debian\'s Chromium, headless, --no-sandbox --disable-gpu (software compositing), 1440x900, driven by playwright-core with real input (CDP key presses, clicks, drags, wheel turns). Times are taken in the page: from the input event\'s timestamp to the start of the first animation frame after the awaited DOM state is committed (the frame that paints it).',
      `Plan graph: ${UI_SIZES.steps} steps in ${Math.ceil(UI_SIZES.steps / 25)} phases of 25, each step depending on one or two earlier ones; "laid out" is from the click on the run to its graph's nodes painted (runs.show over the socket, ELK in its Web Worker, React Flow rendering only what is on screen). Then ${panMs / 1000} s of drags and wheel zooms; a frame gap is the time between consecutive requestAnimationFrame callbacks (16.7 ms at 60 Hz).`,
      `Inbox: ${UI_SIZES.items} items of every kind (checkpoints with small diffs, questions, escalations, held commands, plans, learnings, PR reviews); every 7th item opened with Enter, timed to its view painted ready to decide (its decision bar enabled), then Esc back.`,
      `Diff: one checkpoint changing ${UI_SIZES.changedLinesPerFile} lines in each of ${UI_SIZES.diffFiles} files in ten languages (25 hunks per file with context): the files past the first 1,500 shown lines wait collapsed, so the first two files (1,300 lines) render at once; "highlighted" is when both are coloured (refractor in the highlighter's Web Worker). The layout is chosen with v before the timed open, as a person would.`,
    ],
  };
}
