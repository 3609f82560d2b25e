// Native addons for Electron's ABI, kept apart from node_modules (whose builds serve Node: `npm test`, the CLI,
// agent-host). Copies of the addon packages go to out/node_modules, which Node's resolution reaches from
// out/main/index.js before the root node_modules, and are rebuilt there against Electron's headers.
// Needs network (Electron headers) and a C++ toolchain; not exercised on CI, where Electron is absent.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const TARGET = resolve(ROOT, 'out/node_modules');
/** Addons the desktop main process loads (the core's cache and the embedded local host). */
const ADDONS = ['better-sqlite3', 'node-pty'];

export function ensureElectronNativeModules(electronVersion) {
  const stamp = resolve(TARGET, '.electron-abi');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === electronVersion) return;
  for (const name of ADDONS) {
    const source = resolve(ROOT, 'node_modules', name);
    if (!existsSync(source)) continue;
    const destination = resolve(TARGET, name);
    cpSync(source, destination, { recursive: true, dereference: true });
    console.log(`Rebuilding ${name} for Electron ${electronVersion} in ${destination} ...`);
    const result = spawnSync(
      'npx',
      ['--yes', 'node-gyp', 'rebuild', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers', '--runtime=electron'],
      { cwd: destination, stdio: 'inherit', shell: process.platform === 'win32' },
    );
    if (result.status !== 0) {
      throw new Error(`could not rebuild ${name} for Electron ${electronVersion}: node-gyp exited with ${result.status}`);
    }
  }
  writeFileSync(stamp, `${electronVersion}\n`);
}
