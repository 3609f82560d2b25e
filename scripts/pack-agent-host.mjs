// Packs the agent-host into one tarball for air-gapped VMs: the bundle with the built-in runbooks beside it, a bin
// wrapper, and the native addons copied from this checkout's node_modules. Limits: the addons are the ones built
// here, so the VM needs the same OS (linux), CPU architecture, Node ABI (major version) and a glibc at least as new
// as this machine's.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildAgentHost, buildBridge, hostVersion } from './build-agent-host.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const NODE_MODULES = join(ROOT, 'node_modules');
// Needed only to build or download an addon, never to load it.
const INSTALL_ONLY = new Set(['prebuild-install', 'node-addon-api', 'nan', 'node-gyp', 'node-gyp-build-optional-packages']);
const BUILD_ONLY_DIRS = new Set(['deps', 'third_party', 'obj', 'obj.target', '.deps', 'test', 'node-addon-api', 'scripts', 'vendor']);
// The addons' sources; koffi keeps its JavaScript entry there too.
const SOURCE_DIR = 'src';
const SCRIPT_FILE = /\.[cm]?js$/;
const BUILD_ONLY_FILE = /\.(a|o|gyp|gypi|mk|pdb|cc|cpp|h|hpp|c)$|^(Makefile|config\.gypi|test_extension\.node)$/;

function readPackage(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** The package and its runtime dependencies, as installed (hoisted) in node_modules. */
function runtimeClosure(names) {
  const found = new Map();
  const visit = (name) => {
    if (found.has(name) || INSTALL_ONLY.has(name)) return;
    const dir = join(NODE_MODULES, name);
    if (!existsSync(dir)) throw new Error(`pack-agent-host: ${name} is not installed in node_modules (run npm ci)`);
    found.set(name, dir);
    const pkg = readPackage(dir);
    for (const dependency of Object.keys(pkg.dependencies ?? {})) visit(dependency);
    for (const dependency of Object.keys(pkg.optionalDependencies ?? {})) {
      if (existsSync(join(NODE_MODULES, dependency))) visit(dependency);
    }
  };
  names.forEach(visit);
  return found;
}

function keepRuntimeFile(packageDir, path) {
  const parts = relative(packageDir, path).split(sep);
  const name = parts.at(-1) ?? '';
  if (parts.some((part) => BUILD_ONLY_DIRS.has(part))) return false;
  if (parts.includes(SOURCE_DIR) && !SCRIPT_FILE.test(name) && !statSync(path).isDirectory()) return false;
  // Prebuilt addons for other platforms are dead weight (node-pty ships macOS and Windows ones).
  if (parts[0] === 'prebuilds' && parts.length > 1 && parts[1] !== `${process.platform}-${process.arch}`) return false;
  return !BUILD_ONLY_FILE.test(name);
}

function installNotes(name, version, nativePackages) {
  return `${name} ${version} (linux-${process.arch})

Install on a VM without network access:
  tar -xzf ${name}-${version}-linux-${process.arch}.tar.gz -C ~/.local/lib
  ln -sf ~/.local/lib/${name}-${version}-linux-${process.arch}/bin/agent-host ~/.local/bin/agent-host
  agent-host --help

The app's SSH exec channel runs \`node <dir>/bridge.mjs --state-dir DIR\` (the bridge only; it starts
\`agent-host.mjs serve\` detached when no daemon answers).

Needs: node ${process.versions.node.split('.')[0]}.x on PATH (or FLIGHTDECK_NODE=/path/to/node).
The native addons (${nativePackages.join(', ') || 'none'}) were built on the packing machine for
linux-${process.arch}, Node ABI ${process.versions.modules}, glibc ${process.report?.getReport().header.glibcVersionRuntime ?? 'unknown'}:
another major Node version, another CPU architecture or an older glibc cannot load them.
`;
}

const BIN_WRAPPER = `#!/bin/sh
# Runs the bundled agent-host with the node on PATH (or FLIGHTDECK_NODE), wherever this file is linked from.
set -e
here=$(dirname "$(readlink -f "$0")")
exec "\${FLIGHTDECK_NODE:-node}" "$here/../agent-host.mjs" "$@"
`;

/** @param {{ entry?: string, outDir?: string }} [options] */
export async function packAgentHost({ entry, outDir = join(ROOT, 'out') } = {}) {
  // The daemon's own version names the tarball: the app looks for agent-host-<that version>-linux-*.tar.gz.
  const version = await hostVersion();
  const name = 'agent-host';
  const base = `${name}-${version}-linux-${process.arch}`;
  const stagingRoot = mkdtempSync(join(tmpdir(), 'flightdeck-pack-'));
  const staging = join(stagingRoot, base);
  try {
    mkdirSync(join(staging, 'bin'), { recursive: true });
    return await assemble({ entry, outDir, name, version, base, staging });
  } finally {
    rmSync(stagingRoot, { recursive: true, force: true });
  }
}

async function assemble({ entry, outDir, name, version, base, staging }) {
  // Built into the staging dir, so what the build puts beside the bundle (version.json, runbooks/) is packed as is.
  const built = await buildAgentHost({ entry, outfile: join(staging, 'agent-host.mjs') });
  // The bridge-only entry every SSH exec channel runs; it starts agent-host.mjs beside it when no daemon answers.
  await buildBridge({ besideOutfile: built.outfile });
  for (const [dependency, dir] of runtimeClosure(built.nativePackages)) {
    cpSync(dir, join(staging, 'node_modules', dependency), {
      recursive: true,
      filter: (path) => keepRuntimeFile(dir, path),
    });
  }
  writeFileSync(
    join(staging, 'package.json'),
    `${JSON.stringify(
      {
        name: `flightdeck-${name}`,
        version,
        private: true,
        type: 'module',
        bin: { [name]: 'bin/agent-host' },
        engines: { node: `${process.versions.node.split('.')[0]}.x` },
        flightdeck: { platform: 'linux', arch: process.arch, nodeAbi: process.versions.modules },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(staging, 'bin', 'agent-host'), BIN_WRAPPER);
  chmodSync(join(staging, 'bin', 'agent-host'), 0o755);
  writeFileSync(join(staging, 'INSTALL.txt'), installNotes(name, version, built.nativePackages));

  mkdirSync(outDir, { recursive: true });
  const tarball = join(outDir, `${base}.tar.gz`);
  // Written aside and renamed: an app bootstrapping meanwhile reads the previous tarball or this one, never half of one.
  const partial = `${tarball}.${process.pid}.partial`;
  try {
    execFileSync('tar', ['-czf', partial, '--owner=0', '--group=0', '-C', join(staging, '..'), base]);
    renameSync(partial, tarball);
  } finally {
    rmSync(partial, { force: true });
  }
  return { tarball, nativePackages: built.nativePackages };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { entry: { type: 'string' }, 'out-dir': { type: 'string' } } });
  try {
    const packed = await packAgentHost({
      entry: values.entry ? resolve(values.entry) : undefined,
      outDir: values['out-dir'] ? resolve(values['out-dir']) : undefined,
    });
    const size = (readFileSync(packed.tarball).length / 1024 / 1024).toFixed(1);
    const shown = relative(ROOT, packed.tarball).startsWith('..') ? packed.tarball : relative(ROOT, packed.tarball);
    console.log(`${shown} (${size} MiB; native: ${packed.nativePackages.join(', ') || 'none'})`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
