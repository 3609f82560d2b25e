import { basename, dirname } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Client } from 'ssh2';
import { FleetError } from '../ssh/errors';
import { BRIDGE_FILE, HOOK_FILE, RUNBOOKS_DIR, packedFor, readTarball, type AgentHostBundle, type PackedTarball } from './bundle';
import { execCollect, shellQuote } from './remoteExec';

export const MIN_REMOTE_NODE_MAJOR = 20;

/** Where agent-host lives on a VM: installs under <base>/agent-host/<version>/, state (socket, journal) in stateDir. */
export interface RemoteLayout {
  node: string;
  installDir: string;
  stateDir: string;
}

/** `node` is the host's own setting; FLIGHTDECK_REMOTE_NODE is only the default for hosts without one. */
export function remoteLayout(hostDir: string | undefined, version: string, node?: string): RemoteLayout {
  const base = hostDir ?? '~/.flightdeck';
  return {
    node: node || process.env.FLIGHTDECK_REMOTE_NODE || 'node',
    installDir: `${base}/agent-host/${version}`,
    stateDir: hostDir ?? '~/.flightdeck/host',
  };
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

export interface BootstrapResult {
  /** Checked only when installing; null when this build was already there. */
  nodeVersion: string | null;
  /** True when this call uploaded agent-host (missing, older, or a different build of the same version). */
  installed: boolean;
}

/** `uname -m` in Node's words (process.arch), which pack-agent-host.mjs records in the tarball. */
export function nodeArch(machine: string): string {
  const names: Record<string, string> = {
    x86_64: 'x64',
    amd64: 'x64',
    aarch64: 'arm64',
    arm64: 'arm64',
    armv7l: 'arm',
    armv6l: 'arm',
    i386: 'ia32',
    i686: 'ia32',
    ppc64le: 'ppc64',
    loongarch64: 'loong64',
  };
  return names[machine] ?? machine;
}

/** What gets uploaded: the loose bundle (the VM has the addons) or the tarball packed for the VM's architecture. */
type Upload = { kind: 'files'; marker: string; nodeModules: string } | { kind: 'tarball'; marker: string; tarball: PackedTarball };

function chooseUpload(bundle: AgentHostBundle, arch: string): Upload | null {
  if (bundle.remoteNodeModules) return { kind: 'files', marker: `file:${bundle.sha256}`, nodeModules: bundle.remoteNodeModules };
  const path = bundle.tarballs.find((candidate) => basename(candidate).endsWith(`-linux-${arch}.tar.gz`)) ?? bundle.tarballs[0];
  if (!path) return null;
  const tarball = readTarball(path);
  return { kind: 'tarball', marker: `tarball:${tarball.sha256}`, tarball };
}

/**
 * Makes sure the VM can run this app's agent-host: checks Node (>= 20) and the installed build, uploads it over the
 * same SSH connection when missing (exec + stdin, so no SFTP subsystem and no other network is needed).
 * Never stops a running daemon: a new version is started by the bridge only once the old one is gone.
 */
export async function ensureAgentHost(client: Client, bundle: AgentHostBundle, layout: RemoteLayout): Promise<BootstrapResult> {
  const node = shellQuote(layout.node);
  const install = shellQuote(layout.installDir);
  // Cheap first: no Node start on the VM when this exact build is already there (the common reconnect case).
  const probe = await execCollect(
    client,
    `echo "installed: $(cat ${install}/.flightdeck-build 2>/dev/null)"; echo "arch: $(uname -m)"; ` +
      `if command -v ${node} >/dev/null 2>&1; then echo "node: present"; else echo "node: missing"; fi`,
  );
  const field = (name: string): string | undefined => new RegExp(`^${name}: (.*)$`, 'm').exec(probe.stdout)?.[1]?.trim();
  const nodeLine = field('node');
  if (!nodeLine) {
    throw new FleetError('agent-host-failed', `could not probe the VM (exit ${probe.code}): ${probe.stderr.trim() || probe.stdout.trim()}`);
  }
  if (nodeLine === 'missing') {
    throw new FleetError(
      'node-missing',
      `agent-host cannot run: no "${layout.node}" on the VM's PATH. The VM needs Node.js >= ${MIN_REMOTE_NODE_MAJOR} ` +
        "(install it, or give the host the absolute path of its node: `flightdeck host add … --node PATH`, the desktop's " +
        'Add host › Advanced › Node on the VM, or FLIGHTDECK_REMOTE_NODE for every host without one).',
    );
  }
  const machine = field('arch') ?? '';
  const upload = chooseUpload(bundle, nodeArch(machine));
  if (field('installed') === (upload?.marker ?? `file:${bundle.sha256}`)) return { nodeVersion: null, installed: false };

  const [version = '', abi = ''] = (await execCollect(client, `${node} -p 'process.version + " " + process.versions.modules'`)).stdout.trim().split(' ');
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (!(major >= MIN_REMOTE_NODE_MAJOR)) {
    throw new FleetError(
      'node-missing',
      `agent-host cannot run: the VM has Node ${version || '(unknown version)'}, it needs Node.js >= ${MIN_REMOTE_NODE_MAJOR}`,
    );
  }
  if (!upload) {
    throw new FleetError(
      'agent-host-unavailable',
      'agent-host is not installed on the VM and there is nothing to upload with its native addons: ' +
        'run `npm run build` (it packs out/agent-host-<version>-linux-<arch>.tar.gz), or set FLIGHTDECK_AGENT_HOST_TARBALL ' +
        '(or FLIGHTDECK_AGENT_HOST_NODE_MODULES to a node_modules on the VM)',
    );
  }
  if (upload.kind === 'tarball') checkTarballFits(upload.tarball, machine, version, abi);
  await installUpload(client, bundle, layout, upload);
  return { nodeVersion: version, installed: true };
}

/** Native addons load only on the CPU architecture and Node ABI they were built for: refuse before uploading. */
function checkTarballFits(tarball: PackedTarball, machine: string, nodeVersion: string, abi: string): void {
  const name = basename(tarball.path);
  const packed = packedFor(tarball);
  if (!packed.arch) {
    throw new FleetError('agent-host-unavailable', `${name} does not say which CPU architecture it is for: pack it again (npm run pack:agent-host)`);
  }
  if (packed.arch !== nodeArch(machine)) {
    throw new FleetError(
      'agent-host-unavailable',
      `agent-host cannot be installed: the VM's CPU is ${machine || 'unknown'} (${nodeArch(machine)}) but ${name} holds native addons ` +
        `built for ${packed.arch}. Pack agent-host on a ${nodeArch(machine)} Linux machine (npm run pack:agent-host) ` +
        'and point FLIGHTDECK_AGENT_HOST_TARBALL at it.',
    );
  }
  if (packed.nodeAbi && abi && packed.nodeAbi !== abi) {
    throw new FleetError(
      'node-missing',
      `agent-host cannot run: ${name} holds native addons built for Node ABI ${packed.nodeAbi}, the VM's Node ${nodeVersion} ` +
        `has ABI ${abi}. Give the host a Node of the packing machine's major version, or pack agent-host with the VM's.`,
    );
  }
}

/** Reads stdin whole, refuses it unless its sha256 is argv[1], then writes consecutive pieces: argv[2..] = file, length, … */
const RECEIVE_JS = [
  'const fs = require("fs"), crypto = require("crypto")',
  'const [want, ...pieces] = process.argv.slice(1)',
  'const data = fs.readFileSync(0)',
  'const got = crypto.createHash("sha256").update(data).digest("hex")',
  'if (got !== want) { console.error("the upload arrived corrupted: " + data.length + " bytes with sha256 " + got + ", expected " + want); process.exit(3) }',
  'for (let i = 0, at = 0; i < pieces.length; at += Number(pieces[i + 1]), i += 2) fs.writeFileSync(pieces[i], data.subarray(at, at + Number(pieces[i + 1])))',
].join('; ');

/**
 * Moves the complete build argv[1] to argv[2] with one atomic rename. When argv[2] is there already and holds this
 * very build (marker argv[3]), a concurrent bootstrap won: fine. Another build is moved aside atomically first.
 */
const INSTALL_JS = [
  'const fs = require("fs")',
  'const [staged, dest, marker] = process.argv.slice(1)',
  'const installed = () => { try { return fs.readFileSync(dest + "/.flightdeck-build", "utf8").trim() } catch { return "" } }',
  'for (let attempt = 0; attempt < 5; attempt++) {' +
    ' try { fs.renameSync(staged, dest); process.exit(0) } catch (error) { if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error }' +
    ' if (installed() === marker) process.exit(0);' +
    ' const old = fs.mkdtempSync(dest + ".old-");' +
    ' try { fs.renameSync(dest, old) } catch (error) { if (error.code !== "ENOENT") throw error }' +
    ' fs.rmSync(old, { recursive: true, force: true }) }',
  'console.error("could not move the new build into " + dest + ": other builds kept taking its place"); process.exit(1)',
].join('; ');

/**
 * Uploads into a private temp dir beside the install (same file system, so the final rename is atomic), checks the
 * bytes that arrived against the sha256 of what was sent, writes the marker, then renames the whole dir into place:
 * concurrent bootstraps never share a staging path, and an install dir with a marker is always complete.
 */
async function installUpload(client: Client, bundle: AgentHostBundle, layout: RemoteLayout, upload: Upload): Promise<void> {
  const node = shellQuote(layout.node);
  const staged = '"$T/dir"';
  const prepare =
    // umask 077: a host dir made here is the agent-host's state dir too, which the host refuses when others may write it.
    `set -e; umask 077; mkdir -p ${shellQuote(dirname(layout.installDir))}; T=$(mktemp -d ${shellQuote(`${layout.installDir}.upload-XXXXXX`)}); ` +
    `trap 'rm -rf "$T"' EXIT; trap 'exit 1' HUP INT TERM; mkdir ${staged}`;
  const finish = `echo ${shellQuote(upload.marker)} > ${staged}/.flightdeck-build; ${node} -e ${shellQuote(INSTALL_JS)} ${staged} ${shellQuote(layout.installDir)} ${shellQuote(upload.marker)}`;
  const receive = (pieces: [string, number][], sha256: string): string =>
    `${node} -e ${shellQuote(RECEIVE_JS)} ${sha256} ${pieces.map(([file, length]) => `${file} ${length}`).join(' ')}`;
  let script: string;
  let stdin: Buffer;
  if (upload.kind === 'tarball') {
    stdin = upload.tarball.bytes;
    script =
      `${prepare}; ${receive([['"$T/upload.tar.gz"', stdin.length]], upload.tarball.sha256)}; ` +
      `tar -xzf "$T/upload.tar.gz" -C ${staged} --strip-components=1; ${finish}`;
  } else {
    // Sent in the order bundle.sha256 hashes them, so the whole stream's hash is the build's.
    const files: [string, Buffer][] = [
      ['agent-host.mjs', readFileSync(bundle.file)],
      ...(bundle.bridgeFile ? [[BRIDGE_FILE, readFileSync(bundle.bridgeFile)] as [string, Buffer]] : []),
      ...bundle.runbookFiles.map((file): [string, Buffer] => [`${RUNBOOKS_DIR}/${basename(file)}`, readFileSync(file)]),
      ...(bundle.hookFile ? [[HOOK_FILE, readFileSync(bundle.hookFile)] as [string, Buffer]] : []),
    ];
    stdin = Buffer.concat(files.map(([, bytes]) => bytes));
    const pieces = files.map(([name, bytes]): [string, number] => [`${staged}/${shellQuote(name)}`, bytes.length]);
    script = `${prepare}; mkdir ${staged}/${RUNBOOKS_DIR}; ${receive(pieces, bundle.sha256)}; ln -s ${shellQuote(upload.nodeModules)} ${staged}/node_modules; ${finish}`;
  }
  const result = await execCollect(client, script, stdin);
  if (result.code !== 0) {
    throw new FleetError('agent-host-failed', `installing agent-host into ${layout.installDir} failed: ${result.stderr.trim() || `exit ${result.code}`}`);
  }
}
