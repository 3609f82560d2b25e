// `npm run web`: build the renderer (electron-vite), bundle the browser-mode server, run it on 127.0.0.1.
// Arguments after `--` go to the server: --port N, --home DIR.
import { spawnSync, spawn } from 'node:child_process';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildForVms } from './build-agent-host.mjs';
import { bundleForNode } from './node-bundle.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const SERVER = resolve(ROOT, 'out/web/server.mjs');

/**
 * The app and everything it installs on a VM: without the agent-host bundle and its packed tarball (the addons for
 * VMs), adding a VM would fail on "nothing to upload".
 */
export async function buildApp() {
  const result = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`electron-vite build failed (exit ${result.status})`);
  const { tarball } = await buildForVms();
  console.log(`agent-host for VMs: ${relative(ROOT, tarball)}`);
}

export async function buildWebServer() {
  // Pure-JS dependencies are bundled (several are CommonJS, which Node's ESM cannot import by name).
  // ssh2's optional sshcrypto.node binding stays unresolved; ssh2 then uses its pure-JS crypto.
  await bundleForNode({ entry: resolve(ROOT, 'main/web/main.ts'), outfile: SERVER, alsoExternal: ['*.node'] });
  return SERVER;
}

export function runWebServer(args) {
  const child = spawn(process.execPath, [SERVER, '--renderer', resolve(ROOT, 'out/renderer'), ...args], { cwd: ROOT, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildApp();
  await buildWebServer();
  runWebServer(process.argv.slice(2));
}
