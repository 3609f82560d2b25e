import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Client } from 'ssh2';
import { FleetError } from '../ssh/errors';
import { BRIDGE_FILE, type AgentHostBundle } from './bundle';
import { execCollect, shellQuote } from './remoteExec';

export const MIN_REMOTE_NODE_MAJOR = 20;

/** Where agent-host lives on a VM: installs under <base>/agent-host/<version>/, state (socket, journal) in stateDir. */
export interface RemoteLayout {
  node: string;
  installDir: string;
  stateDir: string;
}

export function remoteLayout(hostDir: string | undefined, version: string, node = process.env.FLIGHTDECK_REMOTE_NODE || 'node'): RemoteLayout {
  const base = hostDir ?? '~/.flightdeck';
  return { node, installDir: `${base}/agent-host/${version}`, stateDir: hostDir ?? '~/.flightdeck/host' };
}

/**
 * The exec-channel command that speaks the framed protocol on stdio (works where sshd forbids all forwarding).
 * Runs the bridge-only bridge.mjs (one small file to load, so reconnects are quick); installs from before it
 * existed only have `agent-host.mjs bridge`, which loads the whole daemon bundle but speaks the same bytes.
 */
export function bridgeCommand(layout: RemoteLayout): string {
  const node = shellQuote(layout.node);
  const stateDir = shellQuote(layout.stateDir);
  const bridge = shellQuote(`${layout.installDir}/${BRIDGE_FILE}`);
  return (
    `if [ -f ${bridge} ]; then exec ${node} ${bridge} --state-dir ${stateDir}; fi; ` +
    `exec ${node} ${shellQuote(`${layout.installDir}/agent-host.mjs`)} bridge --state-dir ${stateDir}`
  );
}

/** Names the exact build installed, so a rebuilt bundle of the same version is uploaded again. */
function marker(bundle: AgentHostBundle): string {
  if (bundle.remoteNodeModules || !bundle.tarball) return `file:${bundle.sha256}`;
  return `tarball:${createHash('sha256').update(readFileSync(bundle.tarball)).digest('hex')}`;
}

export interface BootstrapResult {
  /** Checked only when installing; null when this build was already there. */
  nodeVersion: string | null;
  /** True when this call uploaded agent-host (missing, older, or a different build of the same version). */
  installed: boolean;
}

/**
 * Makes sure the VM can run this app's agent-host: checks Node (>= 20) and the installed build, uploads it over the
 * same SSH connection when missing (exec `cat`/`tar`, so no SFTP subsystem and no other network is needed).
 * Never stops a running daemon: a new version is started by the bridge only once the old one is gone.
 */
export async function ensureAgentHost(client: Client, bundle: AgentHostBundle, layout: RemoteLayout): Promise<BootstrapResult> {
  const node = shellQuote(layout.node);
  const install = shellQuote(layout.installDir);
  // Cheap first: no Node start on the VM when this exact build is already there (the common reconnect case).
  const probe = await execCollect(
    client,
    `echo "installed: $(cat ${install}/.flightdeck-build 2>/dev/null)"; ` +
      `if command -v ${node} >/dev/null 2>&1; then echo "node: present"; else echo "node: missing"; fi`,
  );
  const nodeLine = /^node: (.*)$/m.exec(probe.stdout)?.[1]?.trim();
  if (!nodeLine) {
    throw new FleetError('agent-host-failed', `could not probe the VM (exit ${probe.code}): ${probe.stderr.trim() || probe.stdout.trim()}`);
  }
  if (nodeLine === 'missing') {
    throw new FleetError(
      'node-missing',
      `agent-host cannot run: no "${layout.node}" on the VM's PATH. The VM needs Node.js >= ${MIN_REMOTE_NODE_MAJOR} ` +
        '(install it, or set FLIGHTDECK_REMOTE_NODE to its absolute path).',
    );
  }
  const installed = /^installed: (.*)$/m.exec(probe.stdout)?.[1]?.trim() ?? '';
  const build = marker(bundle);
  if (installed === build) return { nodeVersion: null, installed: false };
  const version = (await execCollect(client, `${node} --version`)).stdout.trim();
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (!(major >= MIN_REMOTE_NODE_MAJOR)) {
    throw new FleetError(
      'node-missing',
      `agent-host cannot run: the VM has Node ${version || '(unknown version)'}, it needs Node.js >= ${MIN_REMOTE_NODE_MAJOR}`,
    );
  }
  await upload(client, bundle, layout, build);
  return { nodeVersion: version, installed: true };
}

async function upload(client: Client, bundle: AgentHostBundle, layout: RemoteLayout, build: string): Promise<void> {
  const install = shellQuote(layout.installDir);
  const staging = shellQuote(`${layout.installDir}.partial`);
  const done = `echo ${shellQuote(build)} > ${staging}/.flightdeck-build && rm -rf ${install} && mv ${staging} ${install}`;
  let result;
  if (bundle.remoteNodeModules) {
    // Two uploads on one connection (no tar of loose files on this side): the bridge first, into the fresh staging dir.
    const bridgeStep = bundle.bridgeFile
      ? await execCollect(client, `set -e; rm -rf ${staging}; mkdir -p ${staging}; cat > ${staging}/${BRIDGE_FILE}`, readFileSync(bundle.bridgeFile))
      : await execCollect(client, `set -e; rm -rf ${staging}; mkdir -p ${staging}`);
    if (bridgeStep.code !== 0) {
      throw new FleetError('agent-host-failed', `installing agent-host into ${layout.installDir} failed: ${bridgeStep.stderr.trim() || `exit ${bridgeStep.code}`}`);
    }
    result = await execCollect(
      client,
      `set -e; cat > ${staging}/agent-host.mjs; ` +
        `ln -s ${shellQuote(bundle.remoteNodeModules)} ${staging}/node_modules; ${done}`,
      readFileSync(bundle.file),
    );
  } else if (bundle.tarball) {
    result = await execCollect(
      client,
      `set -e; rm -rf ${staging}; mkdir -p ${staging}; tar -xzf - -C ${staging} --strip-components=1; ${done}`,
      readFileSync(bundle.tarball),
    );
  } else {
    throw new FleetError(
      'agent-host-failed',
      'agent-host is not installed on the VM and there is nothing to upload with its native addons: ' +
        'run `npm run pack:agent-host` (or set FLIGHTDECK_AGENT_HOST_NODE_MODULES to a node_modules on the VM)',
    );
  }
  if (result.code !== 0) {
    throw new FleetError('agent-host-failed', `installing agent-host into ${layout.installDir} failed: ${result.stderr.trim() || `exit ${result.code}`}`);
  }
}
