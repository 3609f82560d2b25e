import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { terminalKey } from '../../common/app/api';
import { makeRepo, type TestRepo } from '../harness/repo';
import { SCREENSHOTS, buildRenderer, startAppWorld, waitForTerminalText, type AppWorld } from './app';

/**
 * A command profile, so no model is needed: it prints, asks at a prompt (the host's screen heuristics read that as
 * waiting on the human), echoes the answer, then stays busy until stopped.
 */
const PROFILES = `profiles:
  shell:
    kind: command
    description: a scripted stand-in for a CLI agent
    command: /bin/sh
    args: ['-c', 'echo ready; printf "Proceed? "; read line; echo "got $line"; sleep 600']
`;

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

// Generous timeouts: ceilings for a shared CI machine, not measurements.
describe('agents in the control room (browser mode, real core, real sshd, real agent-host)', { timeout: 180_000 }, () => {
  let world: AppWorld;
  let repo: TestRepo;
  let page: Page;
  const row = () => page.locator('[data-host="vm"] [data-agent="greeter"]');
  /** The terminal of the session the agent runs in now, as the core knows it. */
  const sessionKey = () => terminalKey('vm', world.core.host('vm').view().agents?.find((agent) => agent.name === 'greeter')?.sessionId ?? 'none');

  beforeAll(async () => {
    await buildRenderer();
    repo = await makeRepo();
    world = await startAppWorld({ knownHostKey: true });
    const host = await world.core.addHost({ name: 'vm', target: 'vm', hostDir: world.hostDir });
    expect(host.error).toBeNull();
    // The host reads its profiles file at each use; the repo is cloned once, as `flightdeck repo add vm app <dir>` does.
    await writeFile(join(world.hostDir, 'profiles.yaml'), PROFILES);
    const lane = await world.core.host('vm').lane();
    await lane.peer.request('repo.add', { name: 'app', url: repo.dir }, { timeoutMs: 0 });
    page = await world.browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => console.error('[page error]', error.message));
    await page.goto(world.server.url);
    await page.locator('[data-host="vm"].host-connected').waitFor({ timeout: 90_000 });
  }, 150_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await page?.screenshot({ path: join(SCREENSHOTS, `failed-agents-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
  });

  afterAll(async () => {
    await world?.close();
    await repo?.cleanup();
  });

  it("starts an agent from the keyboard: the dialog offers the host's profiles and repos", async () => {
    await page.keyboard.press('Control+Shift+A');
    const dialog = page.getByRole('dialog', { name: 'Start an agent' });
    await expect(dialog.locator('select[name="host"]').inputValue()).resolves.toBe('vm');
    await dialog.locator('select[name="repo"]').waitFor();
    const profiles = await dialog.locator('select[name="profile"] option').evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    expect(profiles).toEqual(expect.arrayContaining(['builtin', 'claude-code', 'codex', 'shell']));
    const repos = await dialog.locator('select[name="repo"] option').evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    expect(repos).toEqual(['app']);

    await dialog.locator('select[name="profile"]').selectOption('shell');
    await dialog.locator('input[name="name"]').fill('greeter');
    await dialog.locator('textarea[name="task"]').fill('Say hello, then wait for the go-ahead.');
    await shot(page, 'start-agent-dialog');
    await page.keyboard.press('Control+Enter');
    await dialog.waitFor({ state: 'detached', timeout: 90_000 });

    await row().waitFor();
    await expect(row().locator('.badge').textContent()).resolves.toMatch(/starting|working|waiting on you|idle/);
    await expect(row().locator('.agent-meta').textContent()).resolves.toMatch(/shell · app.*0 in \/ 0 out · –/);
    // Starting opened the agent's terminal.
    const key = sessionKey();
    await waitForTerminalText(page, key, /^ready$/m);
  });

  it('shows the agent waiting on the human in the row and in the "waiting on you" summary', async () => {
    await page.locator('[data-agent="greeter"][data-status="waiting-for-human"]').waitFor({ timeout: 60_000 });
    await expect(row().getByTestId('agent-question').textContent()).resolves.toBe('waiting for input at its prompt');
    await page.waitForFunction(() => document.querySelector('[data-testid="waiting-count"]')?.textContent === '1');
    const waiting = page.getByRole('list', { name: 'Waiting on you' });
    await expect(waiting.textContent()).resolves.toMatch(/vm \/ greeter.*waiting for input at its prompt/);
    await shot(page, 'agent-waiting');

    // Its own session is not a second row, nor a second "waiting" item.
    await expect(page.locator('[data-host="vm"] .session-row').count()).resolves.toBe(0);
  });

  it('sends the answer through the message dialog: typed at its prompt, and nobody waits any more', async () => {
    await row().locator('button[title="Send a message or an answer"]').click();
    const dialog = page.getByRole('dialog', { name: 'Message greeter' });
    await dialog.locator('textarea[name="message"]').fill('yes');
    await page.keyboard.press('Control+Enter');
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('.toast', { hasText: 'vm/greeter: typed at its prompt.' }).waitFor();
    await waitForTerminalText(page, sessionKey(), /^got yes$/m);
    await page.waitForFunction(() => document.querySelector('[data-testid="waiting-count"]')?.textContent === '0', undefined, { timeout: 60_000 });
  });

  it('clicking the row opens its terminal; stop, resume in a new session, stop, remove', async () => {
    const firstKey = sessionKey();
    await page.locator(`[data-terminal="${firstKey}"] button[title^="Close pane"]`).click();
    await page.locator(`[data-terminal="${firstKey}"]`).waitFor({ state: 'detached' });
    await row().locator('.session-open').click();
    await waitForTerminalText(page, firstKey, /^got yes$/m);

    await row().locator('button[title^="Stop"]').click();
    await page.locator('[data-agent="greeter"][data-status="stopped"]').waitFor({ timeout: 30_000 });
    await expect(row().locator('.badge').textContent()).resolves.toBe('stopped');
    await shot(page, 'agent-stopped');

    await row().locator('button[title="Resume in a new session"]').click();
    await page.waitForFunction(
      (before) => {
        const status = document.querySelector('[data-agent="greeter"]')?.getAttribute('data-status');
        return status !== 'stopped' && document.querySelector(`[data-terminal]:not([data-terminal="${before}"])`) !== null;
      },
      firstKey,
      { timeout: 60_000 },
    );
    const secondKey = sessionKey();
    expect(secondKey).not.toBe(firstKey);
    await waitForTerminalText(page, secondKey, /^ready$/m);

    await row().locator('button[title^="Stop"]').click();
    await page.locator('[data-agent="greeter"][data-status="stopped"]').waitFor({ timeout: 30_000 });
    const remove = row().locator('button[title^="Remove the agent"]');
    await remove.click();
    await row().locator('button.confirm-armed').click();
    await row().waitFor({ state: 'detached', timeout: 30_000 });
    expect(world.core.host('vm').view().agents).toEqual([]);
  });
});
