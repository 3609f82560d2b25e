// `npm start`: build, then launch Electron. Where the Electron binary is absent (CI installs with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1), say so and serve the same app in browser mode instead.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { ensureElectronNativeModules } from './electron-native.mjs';
import { buildApp, buildWebServer, runWebServer } from './web.mjs';

const ROOT = resolve(import.meta.dirname, '..');

/** The Electron executable, or the reason there is none. */
function findElectron() {
  try {
    const binary = createRequire(import.meta.url)('electron');
    if (typeof binary === 'string' && existsSync(binary)) return { binary };
    return { missing: `the electron package points at ${binary}, which does not exist` };
  } catch (error) {
    return { missing: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

await buildApp();
const electron = findElectron();
if (electron.missing) {
  console.warn(
    [
      '',
      'Electron is not installed on this machine (' + electron.missing + ').',
      'This is expected where npm ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1 (CI). To get the desktop app:',
      '  ELECTRON_SKIP_BINARY_DOWNLOAD= node node_modules/electron/install.js',
      'Starting browser mode instead: the same app, served on 127.0.0.1.',
      '',
    ].join('\n'),
  );
  await buildWebServer();
  runWebServer(process.argv.slice(2));
} else {
  const version = JSON.parse(readFileSync(resolve(ROOT, 'node_modules/electron/package.json'), 'utf8')).version;
  ensureElectronNativeModules(version);
  const child = spawn(electron.binary, [ROOT, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
