// The e2e world: a real sshd ("the VM"), the real fleet core in this process with a fresh FLIGHTDECK_HOME,
// the browser-mode server over the built renderer, and Chromium on it. Nothing is stubbed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { FleetCore, serveAppTransport } from '../../main/core';
import type { Lane } from '../../main/fleet/lane';
import { startWebServer, type WebServer } from '../../main/web/server';
import { launchBrowser, type LaunchedBrowser } from '../harness/browser';
import { FAKE_API_KEY } from '../harness/fake-anthropic';
import { startSshd, type Sshd, type SshdOptions } from '../harness/sshd';
import { stopDaemon } from '../integration/fleet/env';

export const ROOT = join(import.meta.dirname, '../..');
export const SCREENSHOTS = join(ROOT, 'test-output/screenshots');

const BUILD_LOCK = join(ROOT, 'out/.e2e-build-lock');
const STALE_LOCK_MS = 180_000;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds main, preload and renderer exactly as `npm start` does, so the page under test is the shipped one.
 * E2e files run in parallel processes: one builds under a lock, the others find the build fresh and reuse it
 * (a second build would empty out/renderer under a page that is loading).
 */
export async function buildRenderer(): Promise<void> {
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      const lock = statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(BUILD_LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    const built = statSync(join(ROOT, 'out/renderer/index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    const sources = Math.max(...['renderer', 'common', 'main/electron', 'main/web', 'preload'].map((dir) => newestSource(join(ROOT, dir))));
    if (built > sources) return;
    execFileSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export interface AppWorld {
  sshd: Sshd;
  core: FleetCore;
  server: WebServer;
  browser: LaunchedBrowser;
  dir: string;
  hostDir: string;
  close(): Promise<void>;
}

const ENV_NAMES = ['FLIGHTDECK_HOME', 'FLIGHTDECK_SSH_CONFIG', 'FLIGHTDECK_KNOWN_HOSTS', 'FLIGHTDECK_AGENT_HOST_NODE_MODULES', 'SSH_AUTH_SOCK'];

export interface AppWorldOptions {
  sshd?: SshdOptions;
  /** Put the VM's host key in known_hosts up front (default: unknown, so the human is asked). */
  knownHostKey?: boolean;
}

export async function startAppWorld(options: AppWorldOptions = {}): Promise<AppWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'flightdeck-e2e-'));
  const home = join(dir, 'home');
  const knownHosts = join(dir, 'known_hosts');
  const sshConfig = join(dir, 'ssh_config');
  const hostDir = join(dir, 'vm-host');
  await mkdir(home, { recursive: true });
  const sshd = await startSshd({ hardened: true, ...options.sshd });
  // Empty known_hosts by default: the app has never seen this VM, so the human must trust its key.
  await writeFile(knownHosts, options.knownHostKey ? `${sshd.knownHostsLine}\n` : '');
  await writeFile(sshConfig, sshd.sshConfigEntry('vm', { knownHostsPath: knownHosts }));
  const saved = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
  Object.assign(process.env, {
    FLIGHTDECK_HOME: home,
    FLIGHTDECK_SSH_CONFIG: sshConfig,
    FLIGHTDECK_KNOWN_HOSTS: knownHosts,
    // Same machine: the VM side loads native addons from this checkout instead of an uploaded tarball.
    FLIGHTDECK_AGENT_HOST_NODE_MODULES: join(ROOT, 'node_modules'),
    SSH_AUTH_SOCK: '',
  });
  // A slower first retry than the default, so the reconnecting state is on screen long enough to photograph.
  const core = FleetCore.open({ home, clientName: 'flightdeck-e2e', autoConnect: true, backoff: { baseMs: 3000, capMs: 4000 } });
  const server = await startWebServer({ rendererDir: join(ROOT, 'out/renderer'), serve: (transport) => void serveAppTransport(core, transport) });
  const browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    sshd,
    core,
    server,
    browser,
    dir,
    hostDir,
    async close() {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      core.close();
      await stopDaemon(hostDir);
      await stopDaemon(join(home, 'local-host'));
      await sshd.stop();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The text xterm holds for a terminal (window.__flightdeckTerminals, the page's read-only test hook). */
export function terminalText(page: Page, key: string): Promise<string | null> {
  return page.evaluate((terminal) => (window as unknown as TerminalsHook).__flightdeckTerminals.text(terminal), key);
}

export function terminalKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as TerminalsHook).__flightdeckTerminals.keys());
}

/** Polls on every animation frame; `probe` (when measuring) polls less often and reads only the last rows. */
export async function waitForTerminalText(
  page: Page,
  key: string,
  pattern: RegExp,
  timeoutMs = 60_000,
  probe?: { pollMs: number; lastRows: number },
): Promise<string> {
  await page.waitForFunction(
    ({ terminal, source, flags, lastRows }) =>
      new RegExp(source, flags).test((window as unknown as TerminalsHook).__flightdeckTerminals.text(terminal, lastRows) ?? ''),
    { terminal: key, source: pattern.source, flags: pattern.flags, lastRows: probe?.lastRows },
    { timeout: timeoutMs, ...(probe ? { polling: probe.pollMs } : {}) },
  );
  return (await terminalText(page, key)) ?? '';
}

export interface TerminalsHook {
  __flightdeckTerminals: {
    keys(): string[];
    text(key: string, lastRows?: number): string | null;
    offset(key: string): number | null;
    renderer(key: string): string | null;
  };
}

export function shot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** The VM's agents talk to the scripted model (the host's agent.env, 0600 as the host demands). */
export async function pointAgentsAt(hostDir: string, modelUrl: string): Promise<void> {
  await writeFile(join(hostDir, 'agent.env'), `ANTHROPIC_BASE_URL=${modelUrl}\nANTHROPIC_API_KEY=${FAKE_API_KEY}\n`, { mode: 0o600 });
}

/** The usual run world's host: "vm" added to the core, its agents on the scripted model, `repoDir` cloned as "app". */
export async function addRunHost(world: AppWorld, modelUrl: string, repoDir: string): Promise<Lane> {
  const host = await world.core.addHost({ name: 'vm', target: 'vm', hostDir: world.hostDir });
  if (host.error) throw new Error(`vm was not added: ${host.error}`);
  await pointAgentsAt(world.hostDir, modelUrl);
  const lane = await world.core.host('vm').lane();
  await lane.peer.request('repo.add', { name: 'app', url: repoDir }, { timeoutMs: 0 });
  return lane;
}

/** Opens the app on `page` and waits until it shows vm connected. */
export async function openApp(page: Page, world: AppWorld): Promise<void> {
  page.on('pageerror', (error) => console.error('[page error]', error.message));
  await page.goto(world.server.url);
  await page.locator('[data-host="vm"].host-connected').waitFor({ timeout: 90_000 });
}
