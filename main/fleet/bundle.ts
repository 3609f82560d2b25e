import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The agent-host this app ships, as found on the laptop: what gets installed on a VM and run for the local host. */
export interface AgentHostBundle {
  /** out/agent-host/agent-host.mjs */
  file: string;
  /** out/agent-host/bridge.mjs, the bridge-only entry (starts in a fraction of the daemon bundle's time); null in old builds. */
  bridgeFile: string | null;
  version: string;
  /** The built-in runbooks beside the bundle (runbooks/*.md, by name): data the daemon reads, shipped with it. */
  runbookFiles: string[];
  /** out/agent-host/hook.pl, the Perl hook client CLI agents run per tool call; absent in old builds (they run the bundle). */
  hookFile?: string | null;
  /** Of agent-host.mjs, bridge.mjs, the runbooks and hook.pl, in that order: names this exact build. */
  sha256: string;
  /**
   * Air-gapped tarballs of this version (bundle + native addons in one upload): the ones `npm run build` packs beside
   * out/agent-host (one per CPU architecture packed), or only FLIGHTDECK_AGENT_HOST_TARBALL when set.
   */
  tarballs: string[];
  /** A node_modules path on the VM holding the native addons, instead of uploading them (same-machine setups, tests). */
  remoteNodeModules: string | null;
}

const BUNDLE_RELATIVE = join('agent-host', 'agent-host.mjs');
/** Beside agent-host.mjs wherever it is installed (scripts/build-agent-host.mjs BRIDGE_FILE). */
export const BRIDGE_FILE = 'bridge.mjs';
/** Beside agent-host.mjs: the built-in runbooks (scripts/build-agent-host.mjs copies runbooks/ there). */
export const RUNBOOKS_DIR = 'runbooks';
/** Beside agent-host.mjs: the Perl hook client (scripts/build-agent-host.mjs HOOK_FILE). */
export const HOOK_FILE = 'hook.pl';
/** Beside agent-host.mjs in every build: `{ "version": "…" }` (scripts/build-agent-host.mjs VERSION_FILE). */
const VERSION_FILE = 'version.json';

/**
 * The packaged Electron app has it in its resources (electron-builder.yml extraResources); otherwise looks beside
 * and above this module: out/cli/x.mjs and out/main/x.js have out/agent-host as a sibling, sources have <root>/out.
 */
function findBundle(): string | null {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(join(resources, BUNDLE_RELATIVE))) return join(resources, BUNDLE_RELATIVE);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    for (const candidate of [join(dir, BUNDLE_RELATIVE), join(dir, 'out', BUNDLE_RELATIVE)]) {
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/** The build writes version.json beside the bundle; a bundle without one (made by hand) is asked with `--version`. */
function bundleVersion(file: string): string {
  const versionFile = join(dirname(file), VERSION_FILE);
  if (existsSync(versionFile)) {
    const { version } = JSON.parse(readFileSync(versionFile, 'utf8')) as { version?: unknown };
    if (typeof version !== 'string' || !version) throw new Error(`${versionFile} names no version`);
    return version;
  }
  let output: string;
  try {
    output = execFileSync(process.execPath, [file, '--version'], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15_000,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    const why = /^\w*Error.*$/m.exec(stderr)?.[0] ?? (stderr.trim() || (error as Error).message);
    throw new Error(`no ${VERSION_FILE} beside ${file} (build it with scripts/build-agent-host.mjs), and \`${file} --version\` failed: ${why}`);
  }
  const version = /\d+\.\d+\.\d+[\w.+-]*/.exec(output)?.[0];
  if (!version) throw new Error(`${file} --version printed no version: ${output.trim()}`);
  return version;
}

let cached: AgentHostBundle | undefined;

export function locateBundle(env: NodeJS.ProcessEnv = process.env): AgentHostBundle {
  if (cached) return cached;
  const file = env.FLIGHTDECK_AGENT_HOST_BUNDLE ? resolve(env.FLIGHTDECK_AGENT_HOST_BUNDLE) : findBundle();
  if (!file || !existsSync(file)) {
    throw new Error('the agent-host bundle (out/agent-host/agent-host.mjs) is missing: run `npm run build`');
  }
  const version = bundleVersion(file);
  const bridgeCandidate = join(dirname(file), BRIDGE_FILE);
  const bridgeFile = existsSync(bridgeCandidate) ? bridgeCandidate : null;
  const runbooksDir = join(dirname(file), RUNBOOKS_DIR);
  const runbookFiles = existsSync(runbooksDir)
    ? readdirSync(runbooksDir)
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => join(runbooksDir, name))
    : [];
  const hookCandidate = join(dirname(file), HOOK_FILE);
  const hookFile = existsSync(hookCandidate) ? hookCandidate : null;
  // The install marker names every file: a rebuilt bridge or an edited runbook alone must be uploaded again too.
  const hash = createHash('sha256').update(readFileSync(file));
  if (bridgeFile) hash.update(readFileSync(bridgeFile));
  for (const runbook of runbookFiles) hash.update(readFileSync(runbook));
  if (hookFile) hash.update(readFileSync(hookFile));
  const outDir = dirname(dirname(file));
  const packed = existsSync(outDir)
    ? readdirSync(outDir).filter((name) => name.startsWith(`agent-host-${version}-linux-`) && name.endsWith('.tar.gz'))
    : [];
  cached = {
    file,
    bridgeFile,
    runbookFiles,
    hookFile,
    version,
    sha256: hash.digest('hex'),
    tarballs: env.FLIGHTDECK_AGENT_HOST_TARBALL ? [resolve(env.FLIGHTDECK_AGENT_HOST_TARBALL)] : packed.sort().map((name) => join(outDir, name)),
    remoteNodeModules: env.FLIGHTDECK_AGENT_HOST_NODE_MODULES || null,
  };
  return cached;
}

/** A tarball read once for one upload: the exact bytes sent and their hash. */
export interface PackedTarball {
  path: string;
  bytes: Buffer;
  sha256: string;
}

export function readTarball(path: string): PackedTarball {
  const bytes = readFileSync(path);
  return { path, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * What pack-agent-host.mjs recorded in the tarball's package.json: Node's name for the CPU architecture its addons
 * were built for (x64, arm64…) and that Node's ABI (process.versions.modules). Read only before an upload.
 */
export function packedFor(tarball: PackedTarball): { arch: string | null; nodeAbi: string | null } {
  const manifest = packageManifest(gunzipSync(tarball.bytes));
  const flightdeck = (manifest?.flightdeck ?? {}) as { arch?: unknown; nodeAbi?: unknown };
  return {
    arch: typeof flightdeck.arch === 'string' ? flightdeck.arch : null,
    nodeAbi: typeof flightdeck.nodeAbi === 'string' ? flightdeck.nodeAbi : null,
  };
}

/** The package.json one level down in a (ustar) tar: `<base>/package.json`, as pack-agent-host.mjs lays it out. */
function packageManifest(tar: Buffer): Record<string, unknown> | null {
  const text = (at: number, length: number): string => tar.toString('utf8', at, at + length).replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = text(at, 100);
    if (!name) break; // the two zero blocks that end an archive
    const prefix = text(at + 345, 155);
    const size = Number.parseInt(text(at + 124, 12).trim() || '0', 8);
    const body = at + 512;
    if (/^[^/]+\/package\.json$/.test(prefix ? `${prefix}/${name}` : name)) {
      return JSON.parse(tar.toString('utf8', body, body + size)) as Record<string, unknown>;
    }
    at = body + Math.ceil(size / 512) * 512;
  }
  return null;
}
