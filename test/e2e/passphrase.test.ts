import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, buildRenderer, startAppWorld, type AppWorld } from './app';

const PASSPHRASE = 'correct horse battery staple';

describe('an encrypted SSH key in the browser UI', { timeout: 180_000 }, () => {
  let world: AppWorld;
  let page: Page;

  beforeAll(async () => {
    await buildRenderer();
    world = await startAppWorld({ sshd: { clientKeyPassphrase: PASSPHRASE }, knownHostKey: true });
    page = await world.browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
  }, 120_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await page?.screenshot({ path: join(SCREENSHOTS, `failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
  });

  afterAll(async () => {
    await world?.close();
  });

  it('asks for the passphrase, says when it was wrong, and connects with the right one', async () => {
    await page.goto(world.server.url);
    await page.locator('.fleet-tree').waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+Shift+H');
    const dialog = page.getByRole('dialog', { name: 'Add host' });
    await dialog.locator('input[name="target"]').fill('vm');
    await dialog.getByText('Advanced').click();
    await dialog.locator('input[name="hostDir"]').fill(world.hostDir);
    await dialog.getByRole('button', { name: 'Add and connect' }).click();

    const unlock = page.getByRole('dialog', { name: 'Unlock key for vm' });
    await unlock.waitFor({ timeout: 90_000 });
    await expect(unlock.locator('code').textContent()).resolves.toBe(world.sshd.clientKeyPath);
    await unlock.locator('input[name="passphrase"]').fill('wrong guess');
    await unlock.getByRole('button', { name: 'Unlock' }).click();

    await unlock.getByText('That passphrase was wrong').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'passphrase-retry.png') });
    await unlock.locator('input[name="passphrase"]').fill(PASSPHRASE);
    await unlock.getByRole('button', { name: 'Unlock' }).click();

    await page.locator('[data-host="vm"].host-connected').waitFor({ timeout: 90_000 });
    await expect(page.getByRole('dialog').count()).resolves.toBe(0);
  });
});
