// One esbuild setup for every plain-Node bundle (agent-host, its bridge, the CLI, the browser-mode server).
import { build } from 'esbuild';

/** Packages with compiled addons (or optional addon helpers) that must be loaded from node_modules. */
export const NATIVE_PACKAGES = ['node-pty', 'better-sqlite3', 'node-termios', 'koffi', 'cpu-features', 'bufferutil', 'utf-8-validate', 'fsevents'];

// Bundled CommonJS dependencies still call require() and read __filename/__dirname, which ESM lacks.
const CJS_SHIM = [
  "import { createRequire as __fdCreateRequire } from 'node:module';",
  "import { fileURLToPath as __fdFileURLToPath } from 'node:url';",
  "import { dirname as __fdDirname } from 'node:path';",
  'const require = __fdCreateRequire(import.meta.url);',
  'const __filename = __fdFileURLToPath(import.meta.url);',
  'const __dirname = __fdDirname(__filename);',
].join('\n');

/**
 * Bundles `entry` into one ESM file for Node 20 with the native packages (and `alsoExternal`) left outside;
 * `define` replaces global identifiers with JSON values (esbuild's define).
 * @param {{ entry: string, outfile: string, alsoExternal?: string[], define?: Record<string, string> }} options
 */
export function bundleForNode({ entry, outfile, alsoExternal = [], define = {} }) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    banner: { js: CJS_SHIM },
    external: [...NATIVE_PACKAGES.flatMap((name) => [name, `${name}/*`]), ...alsoExternal],
    metafile: true,
    define,
    logLevel: 'warning',
  });
}
