// The audit and policy views in Chromium through browser mode, against the real core, a real sshd and a real
// agent-host: audited sessions and a built-in agent (on the scripted model) whose `git push` the host policy denies;
// the audit opened by keyboard, filtered to the denial and its rule, the chain verified; the policy shown with where
// each rule comes from; the host's audit rewritten on disk and the alarm shown and accepted; 5,000 records timed;
// then the host gone and the audit shown stale from the app's mirror. Screenshots and an axe check of every view.
import Database from 'better-sqlite3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../common/audit/chain';
import { AuditLog, recordHash, type AuditRow } from '../../agent-host/audit/auditLog';
import { fakeAnthropic, type FakeAnthropic } from '../harness/fake-anthropic';
import { say, shell } from '../harness/scriptedTurns';
import { makeRepo, type TestRepo } from '../harness/repo';
import { waitForAgent } from '../integration/agents/agentWorld';
import { auditedWork } from '../integration/fleet/auditedWork';
import { stopDaemon } from '../integration/fleet/env';
import { AUDIT_PAGE } from '../../renderer/src/components/governance/useAuditLog';
import { SCREENSHOTS, addRunHost, buildRenderer, openApp, shot, startAppWorld, type AppWorld } from './app';
import { seriousViolations } from './axe';

const HOST_POLICY = ['commands:', '  deny: ["git push *"]', 'egress:', '  allow: ["registry.npmjs.org"]', ''].join('\n');
const REPO_POLICY = ['commands:', '  ask: ["npm publish *"]', ''].join('\n');
/** A repo policy may only narrow the host's: this one adds an egress destination the host does not allow. */
const WIDENING_POLICY = ['egress:', '  allow:', '    - registry.npmjs.org', '    - evil.example.org', ''].join('\n');
const BULK = 5_000;

/** What an attacker with the host's files can do: edit record `seq` and rehash every record after it, head included. */
function rewriteRecord(database: string, seq: number, edit: (row: AuditRow) => AuditRow): void {
  const db = new Database(database);
  try {
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    const rows = db.prepare('SELECT * FROM audit WHERE seq >= ? ORDER BY seq').all(seq) as AuditRow[];
    db.prepare('DELETE FROM audit WHERE seq >= ?').run(seq);
    let prev = (db.prepare('SELECT hash FROM audit WHERE seq = ?').get(seq - 1) as { hash: string } | undefined)?.hash ?? GENESIS_HASH;
    const insert = db.prepare(
      'INSERT INTO audit (seq, time, actor, action, target, reason, outcome, data, prev_hash, hash) VALUES (@seq, @time, @actor, @action, @target, @reason, @outcome, @data, @prev_hash, @hash)',
    );
    db.transaction(() => {
      for (const original of rows) {
        const { hash: _old, ...rest } = { ...(original.seq === seq ? edit(original) : original), prev_hash: prev };
        prev = recordHash(rest);
        insert.run({ ...rest, hash: prev });
      }
    })();
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)").run(JSON.stringify({ seq: rows.at(-1)!.seq, hash: prev }));
  } finally {
    db.close();
  }
}

/** `count` records through the host's own audit writer (hashing, redaction, head), in one transaction beside the daemon. */
function appendRecords(database: string, count: number): void {
  const db = new Database(database);
  try {
    db.pragma('busy_timeout = 10000');
    const log = new AuditLog(db);
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const denied = i % 50 === 0;
        log.append({
          actor: `agent:bulk-${i % 7}`,
          action: denied ? 'egress.request' : i % 3 === 0 ? 'tool.call' : 'command.run',
          target: denied ? 'evil.example.org:443' : `command:make test --shard ${i}`,
          reason: denied ? 'evil.example.org is not in egress.allow' : null,
          outcome: denied ? 'denied' : 'ok',
          data: denied ? { rule: 'egress.allow', method: 'CONNECT' } : { callId: `c-${i}`, tool: 'run_command' },
        });
      }
    })();
  } finally {
    db.close();
  }
}

interface ScrollRun {
  totalMs: number;
  frames: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  over50: number;
  domRows: number;
}

/**
 * In the page: scrolls the audit grid `by` pixels a frame until `until` (a selector, the top, or `frames` frames) is
 * reached, timing each frame.
 */
function scrollGrid(page: Page, by: number, until: string | { frames: number }): Promise<ScrollRun> {
  return page.evaluate(
    async ({ by, until }) => {
      const grid = document.querySelector<HTMLElement>('.audit-view [role="grid"]')!;
      const frames: number[] = [];
      const reached = () =>
        typeof until === 'object' ? frames.length >= until.frames : until === 'top' ? grid.scrollTop === 0 : document.querySelector(until) !== null;
      const started = performance.now();
      let last = started;
      while (!reached() && performance.now() - started < 60_000) {
        grid.scrollTop += by;
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        frames.push(now - last);
        last = now;
      }
      const totalMs = performance.now() - started;
      frames.sort((a, b) => a - b);
      return {
        totalMs,
        frames: frames.length,
        medianMs: frames[Math.floor(frames.length / 2)] ?? 0,
        p95Ms: frames[Math.floor(frames.length * 0.95)] ?? 0,
        maxMs: frames.at(-1) ?? 0,
        over50: frames.filter((frame) => frame > 50).length,
        domRows: document.querySelectorAll('.audit-view [role="row"][data-seq]').length,
      };
    },
    { by, until },
  );
}

describe('audit and policy in the control room (browser mode, real core, real sshd, real agent-host)', { timeout: 180_000 }, () => {
  let world: AppWorld;
  let repo: TestRepo;
  let wide: TestRepo;
  let model: FakeAnthropic;
  let page: Page;
  let head = 0;
  const view = () => page.locator('.audit-view[data-host="vm"]');
  const rows = () => view().locator('[role="row"][data-seq]');

  beforeAll(async () => {
    await buildRenderer();
    repo = await makeRepo([{ message: 'An app with a policy', files: { 'README.md': 'app\n', '.flightdeck/policy.yaml': REPO_POLICY } }]);
    wide = await makeRepo([{ message: 'A policy that widens', files: { '.flightdeck/policy.yaml': WIDENING_POLICY } }]);
    model = await fakeAnthropic([shell('git push origin HEAD'), say('The host refused the push.')]);
    world = await startAppWorld({ knownHostKey: true });
    const lane = await addRunHost(world, model.url, repo.dir);
    await writeFile(join(world.hostDir, 'policy.yaml'), HOST_POLICY, { mode: 0o600 });
    await lane.peer.request('repo.add', { name: 'wide', url: wide.dir }, { timeoutMs: 0 });
    await auditedWork(world.core, 'vm', 3);
    await lane.peer.request('agent.start', { repo: 'app', profile: 'builtin', task: 'Push the branch', name: 'pusher' }, { timeoutMs: 0 });
    await waitForAgent(world.hostDir, 'pusher', (agent) => agent.status === 'idle' && model.remaining() === 0, 90_000);
    page = await world.browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await openApp(page, world);
  }, 170_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await page?.screenshot({ path: join(SCREENSHOTS, `failed-gov-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
  });

  afterAll(async () => {
    await world?.close();
    await model?.close();
    await repo?.cleanup();
    await wide?.cleanup();
  });

  it('opens the audit by keyboard, newest first; j/k move, Enter shows a record with its hashes, Esc closes it', async () => {
    await page.keyboard.press('Control+Shift+U');
    await rows().first().waitFor({ timeout: 60_000 });
    head = Number(await rows().first().getAttribute('data-seq'));
    const { records } = await (await world.core.host('vm').lane()).peer.request('audit.list', { before: head + 1, limit: 1 });
    expect(records[0]!.seq).toBe(head);
    await expect(view().locator('.audit-end').textContent()).resolves.toContain(`${head} shown`);
    await shot(page, 'gov-audit');
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await expect(view().locator('[role="grid"]').getAttribute('aria-activedescendant')).resolves.toBe(`audit-row-${head}`);
    await page.keyboard.press('Enter');
    const details = view().locator(`.audit-details[data-seq="${head}"]`);
    await details.waitFor();
    await expect(details.locator('[data-field="hash"]').textContent()).resolves.toBe(records[0]!.hash);
    await expect(details.locator('[data-field="prevHash"]').textContent()).resolves.toBe(records[0]!.prevHash);
    await expect(details.locator('.audit-data').textContent()).resolves.toBe(JSON.stringify(records[0]!.data, null, 2));
    await page.keyboard.press('j');
    await view().locator(`.audit-details[data-seq="${head - 1}"]`).waitFor();
    await shot(page, 'gov-audit-details');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await view().locator('.audit-details').waitFor({ state: 'detached' });
  });

  it('filters on the host: a bad action is explained, outcome denied shows only the denial and the rule that made it', async () => {
    const action = view().locator('input[name="action"]');
    await action.fill('egress*');
    await action.press('Enter');
    await expect(view().locator('#audit-filter-action-problem').textContent()).resolves.toBe('an action like tool.call, or a family like egress.*');
    await expect(action.getAttribute('aria-invalid')).resolves.toBe('true');
    await shot(page, 'gov-audit-filter-problem');
    await action.fill('');

    await view().locator('select[name="outcome"]').selectOption('denied');
    // The unfiltered list shows the denial too: wait for the host's answer to the filter, not for a row.
    await view().locator('.audit-end', { hasText: /^1 shown/ }).waitFor();
    await expect(rows().count()).resolves.toBe(1);
    const row = rows().first();
    await expect(row.textContent()).resolves.toContain('agent:pusher');
    await expect(row.locator('[role="gridcell"]').nth(4).textContent()).resolves.toBe('command:git push origin HEAD');
    await expect(row.locator('.audit-rule').textContent()).resolves.toBe('commands.deny git push *');
    await expect(row.locator('.audit-reason').textContent()).resolves.toContain('the policy forbids this command');
    await row.click();
    await view().locator('.audit-details.is-denied .audit-rule').waitFor();
    await shot(page, 'gov-audit-denied');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');

    // A family, on top of the outcome: the agent's egress was all allowed (the model, through the proxy).
    await action.fill('egress.*');
    await action.press('Enter');
    await view().getByRole('heading', { name: 'No records match these filters' }).waitFor();
    await view().getByRole('button', { name: /^Clear/ }).click();
    await rows().nth(1).waitFor();
  });

  it('refreshes to take newer records on top, then verifies the chain on the host: intact, every record checked', async () => {
    await auditedWork(world.core, 'vm', 1);
    await view().getByRole('button', { name: 'Refresh the records' }).click();
    await view().locator(`[role="row"][data-seq="${head + 1}"]`).waitFor();
    await expect(rows().first().getAttribute('data-seq')).resolves.not.toBe(String(head));
    await expect(rows().last().getAttribute('data-seq')).resolves.toBe('1');

    await view().getByRole('button', { name: 'Verify chain' }).click();
    const outcome = view().locator('[data-verify="ok"]');
    await outcome.waitFor({ timeout: 60_000 });
    const checked = Number(/Chain intact: (\d+) records checked/.exec((await outcome.textContent()) ?? '')?.[1]);
    expect(checked).toBeGreaterThanOrEqual(head);
    await shot(page, 'gov-audit-verified');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('shows the host policy, then as the repo narrows it, each rule with the file and line it comes from', async () => {
    await page.keyboard.press('Control+Shift+O');
    const policy = page.locator('.policy-view[data-host="vm"]');
    const hostFile = `host policy ${join(world.hostDir, 'policy.yaml')}`;
    const deny = policy.locator('[data-section="commands"] tr[data-key="commands.deny"]');
    await deny.waitFor({ timeout: 60_000 });
    await expect(deny.locator('.gov-value').textContent()).resolves.toBe('git push *');
    await expect(deny.locator('.gov-source').textContent()).resolves.toBe(`${hostFile} line 2`);
    const allowed = policy.locator('[data-section="egress"] tr[data-key="egress.allow"]', { hasText: 'registry.npmjs.org' });
    await expect(allowed.locator('.gov-source').textContent()).resolves.toBe(`${hostFile} line 4`);
    await expect(policy.locator('[data-section="paths"] tr[data-key="paths.deny_read"] .source-built-in').first().textContent()).resolves.toBe('built-in');
    await expect(policy.locator('[data-sandbox]').getAttribute('data-sandbox')).resolves.toBe('available');
    await expect(policy.locator('.gov-layers li').count()).resolves.toBe(1);
    await shot(page, 'gov-policy');
    expect(await seriousViolations(page)).toEqual([]);

    await policy.getByTestId('policy-repo').selectOption('app');
    const ask = policy.locator('.gov-policy[data-repo="app"] [data-section="commands"] tr[data-key="commands.ask"]');
    await ask.waitFor({ timeout: 60_000 });
    await expect(ask.locator('.gov-source').textContent()).resolves.toBe('repo app .flightdeck/policy.yaml line 2');
    await expect(policy.locator('.gov-layers li').allTextContents()).resolves.toEqual([expect.stringContaining(hostFile), expect.stringContaining('repo app')]);
    await shot(page, 'gov-policy-repo');
    expect(await seriousViolations(page)).toEqual([]);

    // A repo whose file widens the host's: refused by the host, each problem named with its file and line.
    await policy.getByTestId('policy-repo').selectOption('wide');
    const refused = policy.locator('.notice.danger', { hasText: 'vm refuses the policy of wide' });
    await refused.waitFor({ timeout: 60_000 });
    await expect(refused.locator('.gov-problems li').first().textContent()).resolves.toMatch(
      /^repo wide \.flightdeck\/policy\.yaml line 4: egress\.allow\[1\] .*evil\.example\.org.*widens the host policy/,
    );
    await shot(page, 'gov-policy-invalid');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("shows the alarm when the host rewrote its history, and accepts the host's chain behind a confirmation", async () => {
    // The app mirrors what it saw; then the host's files are edited while the app is away.
    await world.core.mirrorHost('vm');
    const rewritten = 2;
    world.core.host('vm').disconnect();
    await stopDaemon(world.hostDir);
    rewriteRecord(join(world.hostDir, 'host.db'), rewritten, (row) => ({ ...row, actor: 'user:someone-else' }));
    await world.core.connectHost('vm');
    await page.keyboard.press('Control+Shift+U');

    const alarm = view().locator('[data-alarm="vm"]');
    await alarm.waitFor({ timeout: 60_000 });
    await expect(alarm.textContent()).resolves.toContain('vm rewrote its audit history');
    await view().locator('[role="row"][data-seq]').first().waitFor({ timeout: 60_000 });
    await shot(page, 'gov-audit-alarm');
    expect(await seriousViolations(page)).toEqual([]);

    await alarm.getByRole('button', { name: "Accept the host's chain…" }).click();
    const dialog = page.getByRole('dialog', { name: "Accept vm's audit chain as it is now?" });
    await expect(dialog.textContent()).resolves.toMatch(/move to the app's archive.*nothing is deleted/);
    await shot(page, 'gov-audit-accept');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: "Accept the host's chain" }).click();
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });
    await view().locator('[data-verify="ok"]').waitFor();
    await alarm.waitFor({ state: 'detached' });
    expect(world.core.cache.archivedRecords('vm').map((record) => record.seq)[0]).toBe(rewritten);
    await shot(page, 'gov-audit-accepted');
    // The app mirrors the accepted chain on its next connect or run event; here at once.
    await world.core.mirrorHost('vm');
  });

  it(`measures ${BULK} records: opening the audit until rows show, scrolling through them, paging to the oldest`, async () => {
    appendRecords(join(world.hostDir, 'host.db'), BULK);
    const newest = (await (await world.core.host('vm').lane()).peer.request('audit.list', { limit: 1 })).records[0]!.seq;
    expect(newest).toBeGreaterThan(BULK);
    await page.keyboard.press('Control+Shift+E');
    await page.locator('.inbox-view').waitFor();
    const opened = performance.now();
    await page.keyboard.press('Control+Shift+U');
    await view().locator(`[role="row"][data-seq="${newest}"]`).waitFor({ timeout: 60_000 });
    const openMs = performance.now() - opened;

    // The page's frames while nothing moves (what the machine allows), then down 20 rows a frame through every older
    // page as it arrives, then back up through all of them, loaded.
    const still = await scrollGrid(page, 0, { frames: 120 });
    const down = await scrollGrid(page, 640, '.audit-view [role="row"][data-seq="1"]');
    await expect(view().locator('.audit-end').textContent()).resolves.toContain(`${newest} shown`);
    const up = await scrollGrid(page, -640, 'top');
    const frames = (run: ScrollRun) =>
      `${run.frames} frames in ${Math.round(run.totalMs)} ms, median ${run.medianMs.toFixed(1)} ms, p95 ${run.p95Ms.toFixed(1)} ms, ` +
      `max ${run.maxMs.toFixed(1)} ms, ${run.over50} over 50 ms`;
    console.log(
      `[measure] ${newest} audit records: view opened to newest row shown ${Math.round(openMs)} ms; still: ${frames(still)}; ` +
        `down to the oldest through ${Math.ceil(newest / AUDIT_PAGE)} pages: ${frames(down)}; back up, all loaded: ${frames(up)}; ` +
        `${up.domRows} rows in the DOM`,
    );
    await shot(page, 'gov-audit-5000');
  });

  it("shows a host that went away from the app's mirror, marked stale with its age; the policy says it needs the host", async () => {
    await world.sshd.stop();
    await page.locator('li.host[data-host="vm"]:not(.host-connected)').waitFor({ timeout: 60_000 });
    await view().getByRole('button', { name: 'Refresh the records' }).click();
    await view().locator('[data-stale="vm"]').waitFor({ timeout: 60_000 });
    await expect(view().locator('.stale-tag').textContent()).resolves.toMatch(/stale · mirrored (just now|.* ago)/);
    await rows().first().waitFor();
    await shot(page, 'gov-audit-offline');
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press('Control+Shift+O');
    await page.locator('.policy-view [data-offline="vm"]').waitFor();
    await shot(page, 'gov-policy-offline');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
