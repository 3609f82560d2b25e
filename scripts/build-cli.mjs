// Bundles the `flightdeck` CLI (main/cli + the shared core) into one ESM file for plain Node.
// Native addons, ssh2 (optional native crypto) and cpu-features stay outside and load from node_modules.
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForNode } from './node-bundle.mjs';

const ROOT = resolve(import.meta.dirname, '..');
export const CLI_ENTRY = resolve(ROOT, 'main/cli/entry.ts');
export const CLI_OUTFILE = resolve(ROOT, 'out/cli/flightdeck.mjs');

export async function buildCli({ outfile = CLI_OUTFILE } = {}) {
  if (!existsSync(CLI_ENTRY)) throw new Error(`build-cli: ${relative(ROOT, CLI_ENTRY)} does not exist`);
  // ssh2 stays outside too: bundled, it would lose its optional native crypto binding.
  const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
  const result = await bundleForNode({
    entry: CLI_ENTRY,
    outfile,
    alsoExternal: ['ssh2', 'ssh2/*'],
    // `flightdeck --version` (main/cli/version.ts).
    define: { __FLIGHTDECK_VERSION__: JSON.stringify(version) },
  });
  return { outfile, bytes: result.metafile.outputs[relative(process.cwd(), outfile)]?.bytes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const built = await buildCli();
    const size = built.bytes === undefined ? '' : ` (${(built.bytes / 1024).toFixed(0)} KiB)`;
    console.log(`flightdeck CLI bundle: ${relative(ROOT, built.outfile)}${size}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
