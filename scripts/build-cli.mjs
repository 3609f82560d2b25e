// Bundles the `flightdeck` CLI (main/cli + the shared core) into one ESM file for plain Node.
// Native addons, ssh2 (optional native crypto) and cpu-features stay outside and load from node_modules.
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
export const CLI_ENTRY = resolve(ROOT, 'main/cli/entry.ts');
export const CLI_OUTFILE = resolve(ROOT, 'out/cli/flightdeck.mjs');

const EXTERNAL = ['better-sqlite3', 'node-pty', 'ssh2', 'cpu-features', 'bufferutil', 'utf-8-validate'];

// Bundled CommonJS dependencies still call require() and read __filename/__dirname, which ESM lacks.
const CJS_SHIM = [
  "import { createRequire as __fdCreateRequire } from 'node:module';",
  "import { fileURLToPath as __fdFileURLToPath } from 'node:url';",
  "import { dirname as __fdDirname } from 'node:path';",
  'const require = __fdCreateRequire(import.meta.url);',
  'const __filename = __fdFileURLToPath(import.meta.url);',
  'const __dirname = __fdDirname(__filename);',
].join('\n');

export async function buildCli({ outfile = CLI_OUTFILE } = {}) {
  if (!existsSync(CLI_ENTRY)) throw new Error(`build-cli: ${relative(ROOT, CLI_ENTRY)} does not exist`);
  const result = await build({
    entryPoints: [CLI_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    banner: { js: CJS_SHIM },
    external: EXTERNAL.flatMap((name) => [name, `${name}/*`]),
    metafile: true,
    logLevel: 'warning',
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
