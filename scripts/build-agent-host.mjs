// Bundles the agent-host daemon into one ESM file for plain Node 20 on the VMs, and the bridge-only entry beside it
// (bridge.mjs: what every SSH exec channel runs, so it must start fast). Native addons stay outside the bundle
// (they are .node binaries loaded from node_modules; scripts/pack-agent-host.mjs ships them). Run as a script it also
// packs that tarball beside the output (--no-pack: not), so every build has what bootstrap uploads to a VM. The
// built-in runbooks (runbooks/*.md) are copied beside the bundle, where agent-host/runbooks/builtInDir.ts finds them,
// and so is the Perl hook client (hook.pl), which CLI agents run instead of the bundle to start fast.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { NATIVE_PACKAGES, bundleForNode } from './node-bundle.mjs';

export { NATIVE_PACKAGES };

const ROOT = resolve(import.meta.dirname, '..');
export const DEFAULT_ENTRY = resolve(ROOT, 'agent-host/main.ts');
export const DEFAULT_OUTFILE = resolve(ROOT, 'out/agent-host/agent-host.mjs');
export const BRIDGE_ENTRY = resolve(ROOT, 'agent-host/bridgeMain.ts');
/** The bridge's file name; it starts the daemon from agent-host.mjs in the same directory. */
export const BRIDGE_FILE = 'bridge.mjs';
/** Beside the bundle: `{ "version": "…" }`, so the app knows what it would install without loading the bundle. */
export const VERSION_FILE = 'version.json';
const VERSION_ENTRY = resolve(ROOT, 'agent-host/version.ts');
const RUNBOOKS_SOURCE = resolve(ROOT, 'runbooks');
/** Beside the bundle: the built-in runbooks, the Markdown files as they are. */
const RUNBOOKS_DIR = 'runbooks';
/** Beside the bundle: the Perl hook client CLI agents run per tool call (agent-host/cliAgents/hookCommand.ts HOOK_SCRIPT). */
export const HOOK_FILE = 'hook.pl';
const HOOK_SOURCE = resolve(ROOT, 'agent-host/cliAgents/hook.pl');

/** HOST_VERSION as agent-host/version.ts declares it (compiled and imported, the value the daemon reports). */
export async function hostVersion() {
  const result = await build({ entryPoints: [VERSION_ENTRY], write: false, format: 'esm', logLevel: 'warning' });
  const module = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].contents).toString('base64')}`);
  if (typeof module.HOST_VERSION !== 'string') throw new Error(`build-agent-host: ${relative(ROOT, VERSION_ENTRY)} exports no HOST_VERSION`);
  return module.HOST_VERSION;
}

/**
 * Builds the bundle and returns the native packages it imports (the ones a pack must ship).
 * @param {{ entry?: string, outfile?: string }} [options]
 */
export async function buildAgentHost({ entry = DEFAULT_ENTRY, outfile = DEFAULT_OUTFILE } = {}) {
  if (!existsSync(entry)) {
    throw new Error(
      `build-agent-host: entry ${entry} does not exist. ` +
        'The agent-host entry (agent-host/main.ts, the `agent-host serve|bridge` CLI) must be written before it can be bundled.',
    );
  }
  const built = await bundle(entry, outfile);
  writeFileSync(join(dirname(outfile), VERSION_FILE), `${JSON.stringify({ version: await hostVersion() })}\n`);
  copyRunbooks(join(dirname(outfile), RUNBOOKS_DIR));
  copyFileSync(HOOK_SOURCE, join(dirname(outfile), HOOK_FILE));
  return built;
}

/** Replaces the folder each build, so a runbook deleted from the source is gone from the build too. */
function copyRunbooks(target) {
  const names = readdirSync(RUNBOOKS_SOURCE).filter((name) => name.endsWith('.md'));
  if (names.length === 0) throw new Error(`build-agent-host: ${relative(ROOT, RUNBOOKS_SOURCE)}/ has no runbooks (*.md) to ship`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const name of names) copyFileSync(join(RUNBOOKS_SOURCE, name), join(target, name));
}

/**
 * Builds the bridge-only entry (same options) beside the daemon bundle `besideOutfile`.
 * @param {{ besideOutfile?: string }} [options]
 */
export async function buildBridge({ besideOutfile = DEFAULT_OUTFILE } = {}) {
  return bundle(BRIDGE_ENTRY, join(dirname(besideOutfile), BRIDGE_FILE));
}

/** @param {string} entry @param {string} outfile */
async function bundle(entry, outfile) {
  const result = await bundleForNode({ entry, outfile });
  const imported = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const { path, external } of output.imports) {
      const name = NATIVE_PACKAGES.find((native) => path === native || path.startsWith(`${native}/`));
      if (external && name) imported.add(name);
    }
  }
  const bytes = result.metafile.outputs[relative(process.cwd(), outfile)]?.bytes;
  return { outfile, bytes, nativePackages: [...imported].sort() };
}

/**
 * Everything the app needs to reach VMs: the bundle, the bridge beside it and, unless `pack` is false, the tarball
 * with the native addons that bootstrap uploads, in the bundle's parent dir where main/fleet/bundle.ts looks for it
 * (out/agent-host-<version>-linux-<arch>.tar.gz; about a second more).
 * @param {{ entry?: string, outfile?: string, pack?: boolean }} [options]
 */
export async function buildForVms({ entry, outfile = DEFAULT_OUTFILE, pack = true } = {}) {
  const built = await buildAgentHost({ entry, outfile });
  const bridge = await buildBridge({ besideOutfile: built.outfile });
  // Imported here: pack-agent-host.mjs imports this module.
  const { packAgentHost } = await import('./pack-agent-host.mjs');
  const packed = pack ? await packAgentHost({ entry, outDir: dirname(dirname(built.outfile)) }) : null;
  return { built, bridge, tarball: packed?.tarball ?? null };
}

async function main() {
  const { values } = parseArgs({ options: { entry: { type: 'string' }, outfile: { type: 'string' }, 'no-pack': { type: 'boolean' } } });
  const started = performance.now();
  const { built, bridge, tarball } = await buildForVms({
    entry: values.entry ? resolve(values.entry) : undefined,
    outfile: values.outfile ? resolve(values.outfile) : undefined,
    pack: !values['no-pack'],
  });
  const size = (bytes) => (bytes === undefined ? '' : ` (${(bytes / 1024).toFixed(0)} KiB)`);
  console.log(`agent-host bundle: ${relative(ROOT, built.outfile)}${size(built.bytes)}; native: ${built.nativePackages.join(', ') || 'none'}`);
  console.log(`agent-host bridge: ${relative(ROOT, bridge.outfile)}${size(bridge.bytes)}; native: ${bridge.nativePackages.join(', ') || 'none'}`);
  if (tarball) console.log(`agent-host for VMs: ${relative(ROOT, tarball)} (${Math.round(performance.now() - started)} ms in all)`);
}

// No top-level await: pack-agent-host.mjs imports this module back, which must have finished evaluating by then.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
