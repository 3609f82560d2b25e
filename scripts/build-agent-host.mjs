// Bundles the agent-host daemon into one ESM file for plain Node 20 on the VMs, and the bridge-only entry beside it
// (bridge.mjs: what every SSH exec channel runs, so it must start fast). Native addons stay outside the bundle
// (they are .node binaries loaded from node_modules; scripts/pack-agent-host.mjs ships them).
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { NATIVE_PACKAGES, bundleForNode } from './node-bundle.mjs';

export { NATIVE_PACKAGES };

const ROOT = resolve(import.meta.dirname, '..');
export const DEFAULT_ENTRY = resolve(ROOT, 'agent-host/main.ts');
export const DEFAULT_OUTFILE = resolve(ROOT, 'out/agent-host/agent-host.mjs');
export const BRIDGE_ENTRY = resolve(ROOT, 'agent-host/bridgeMain.ts');
/** The bridge's file name; it starts the daemon from agent-host.mjs in the same directory. */
export const BRIDGE_FILE = 'bridge.mjs';

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
  return bundle(entry, outfile);
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { entry: { type: 'string' }, outfile: { type: 'string' } } });
  try {
    const built = await buildAgentHost({
      entry: values.entry ? resolve(values.entry) : undefined,
      outfile: values.outfile ? resolve(values.outfile) : undefined,
    });
    const bridge = await buildBridge({ besideOutfile: built.outfile });
    const size = (bytes) => (bytes === undefined ? '' : ` (${(bytes / 1024).toFixed(0)} KiB)`);
    console.log(`agent-host bundle: ${relative(ROOT, built.outfile)}${size(built.bytes)}; native: ${built.nativePackages.join(', ') || 'none'}`);
    console.log(`agent-host bridge: ${relative(ROOT, bridge.outfile)}${size(bridge.bytes)}; native: ${bridge.nativePackages.join(', ') || 'none'}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
