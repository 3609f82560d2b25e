import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The agent-host this app ships, as found on the laptop: what gets installed on a VM and run for the local host. */
export interface AgentHostBundle {
  /** out/agent-host/agent-host.mjs */
  file: string;
  /** out/agent-host/bridge.mjs, the bridge-only entry (starts in a fraction of the daemon bundle's time); null in old builds. */
  bridgeFile: string | null;
  version: string;
  /** Of agent-host.mjs and bridge.mjs together: names this exact build. */
  sha256: string;
  /** The air-gapped tarball (npm run pack:agent-host), when built: bundle + native addons in one upload. */
  tarball: string | null;
  /** A node_modules path on the VM holding the native addons, instead of uploading them (same-machine setups, tests). */
  remoteNodeModules: string | null;
}

const BUNDLE_RELATIVE = join('agent-host', 'agent-host.mjs');
/** Beside agent-host.mjs wherever it is installed (scripts/build-agent-host.mjs BRIDGE_FILE). */
export const BRIDGE_FILE = 'bridge.mjs';

/** Looks beside and above this module: out/cli/x.mjs and out/main/x.js have out/agent-host as a sibling, sources have <root>/out. */
function findBundle(): string | null {
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

function bundleVersion(file: string, text: string): string {
  // esbuild keeps top-level names: reading the constant spares a Node start (~0.5 s) per CLI command.
  const declared = /\bHOST_VERSION = "([^"]+)"/.exec(text)?.[1];
  if (declared) return declared;
  const output = execFileSync(process.execPath, [file, '--version'], {
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    timeout: 15_000,
  });
  const version = /\d+\.\d+\.\d+[\w.+-]*/.exec(output)?.[0];
  if (!version) throw new Error(`${file} --version printed no version: ${output.trim()}`);
  return version;
}

let cached: AgentHostBundle | undefined;

export function locateBundle(env: NodeJS.ProcessEnv = process.env): AgentHostBundle {
  if (cached) return cached;
  const file = env.FLIGHTDECK_AGENT_HOST_BUNDLE ? resolve(env.FLIGHTDECK_AGENT_HOST_BUNDLE) : findBundle();
  if (!file || !existsSync(file)) {
    throw new Error('the agent-host bundle (out/agent-host/agent-host.mjs) is missing: run `npm run build:agent-host`');
  }
  const text = readFileSync(file);
  const version = bundleVersion(file, text.toString('utf8'));
  const bridgeCandidate = join(dirname(file), BRIDGE_FILE);
  const bridgeFile = existsSync(bridgeCandidate) ? bridgeCandidate : null;
  // The install marker names both files: a rebuilt bridge alone must be uploaded again too.
  const hash = createHash('sha256').update(text);
  if (bridgeFile) hash.update(readFileSync(bridgeFile));
  const outDir = dirname(dirname(file));
  const tarballName = existsSync(outDir)
    ? readdirSync(outDir).find((name) => name.startsWith(`agent-host-${version}-linux-`) && name.endsWith('.tar.gz'))
    : undefined;
  cached = {
    file,
    bridgeFile,
    version,
    sha256: hash.digest('hex'),
    tarball: env.FLIGHTDECK_AGENT_HOST_TARBALL || (tarballName ? join(outDir, tarballName) : null),
    remoteNodeModules: env.FLIGHTDECK_AGENT_HOST_NODE_MODULES || null,
  };
  return cached;
}
