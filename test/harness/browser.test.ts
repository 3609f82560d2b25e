import { mkdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type LaunchedBrowser } from './browser';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>probe</title></head>
<body>
  <button id="go">Approve</button>
  <p id="status">waiting</p>
  <script>
    document.getElementById('go').addEventListener('click', () => {
      document.getElementById('status').textContent = 'approved';
    });
  </script>
</body></html>`;

const OUTPUT_DIR = join(import.meta.dirname, '..', '..', 'test-output');

let server: Server;
let url: string;
let launched: LaunchedBrowser;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  launched = await launchBrowser();
});

afterAll(async () => {
  await launched?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('launchBrowser', () => {
  it('clicks a button, sees the DOM change, and takes a screenshot', async () => {
    const page = await launched.browser.newPage();
    await page.goto(url);
    expect(await page.textContent('#status')).toBe('waiting');
    await page.click('#go');
    await page.locator('#status', { hasText: 'approved' }).waitFor();
    expect(await page.textContent('#status')).toBe('approved');

    await mkdir(OUTPUT_DIR, { recursive: true });
    const screenshot = join(OUTPUT_DIR, 'harness-browser.png');
    await page.screenshot({ path: screenshot });
    expect((await stat(screenshot)).size).toBeGreaterThan(1000);
    await page.close();
  });
});
