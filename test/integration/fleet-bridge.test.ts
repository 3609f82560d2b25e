// The bridge-only entry (out/agent-host/bridge.mjs) that every SSH exec channel runs: small, native-free, and still
// the one that starts the full daemon when none runs.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostProtocol } from '../../common/protocol/methods';
import { PROTOCOL_VERSION } from '../../common/protocol/version';
import { RpcPeer } from '../../common/wire/peer';
import { FleetCore } from '../../main/core/fleetCore';
import { BridgeTransport } from '../../main/fleet/bridgeTransport';
import { startSshd, type Sshd } from '../harness/sshd';
import { ROOT, makeWorld, stopDaemon, type FleetWorld } from './fleet/env';

const BRIDGE = join(ROOT, 'out/agent-host/bridge.mjs');

function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs bridge.mjs as the SSH exec channel would and handshakes through it. */
async function helloThroughBridge(args: string[]): Promise<{ pid: number; exitCode: Promise<number | null> }> {
  const child = spawn(process.execPath, [BRIDGE, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exitCode = new Promise<number | null>((resolve) => child.once('close', resolve));
  const transport = new BridgeTransport(child.stdout, child.stdin, child.stderr, () => child.stdin.end());
  child.once('close', () => transport.ended());
  const peer = new RpcPeer(hostProtocol, transport, { requestTimeoutMs: 30_000 });
  const hello = await peer.request('host.hello', {
    protocolVersion: PROTOCOL_VERSION,
    client: { name: 'fleet-bridge-test', version: '0.1.0', user: 'test' },
    capabilities: [],
  });
  peer.close();
  return { pid: hello.pid, exitCode };
}

describe('the bridge-only entry', { timeout: 120_000 }, () => {
  let world: FleetWorld;
  let sshd: Sshd | undefined;

  beforeEach(async () => {
    world = await makeWorld();
  });

  afterEach(async () => {
    await world.cleanup();
    await sshd?.stop();
    sshd = undefined;
  });

  it('carries none of the daemon: no native addon, no SQLite, no xterm, a few KiB', () => {
    const text = readFileSync(BRIDGE, 'utf8');
    expect(text).not.toMatch(/node-pty|better-sqlite3|@xterm|zod/);
    expect(statSync(BRIDGE).size).toBeLessThan(32 * 1024);
  });

  it('starts the full daemon (detached, with the tuning flags) when none runs, and reuses it afterwards', async () => {
    const stateDir = world.hostDir('bridge');
    const first = await helloThroughBridge(['--state-dir', stateDir, '--retention-bytes', '4096']);
    const daemon = commandLine(first.pid);
    expect(daemon.some((arg) => arg.endsWith('/out/agent-host/agent-host.mjs'))).toBe(true);
    expect(daemon).toEqual(expect.arrayContaining(['serve', '--state-dir', stateDir, '--retention-bytes', '4096']));
    // So the heap trimmer can ask for a GC when an idle daemon's dead screens wait for one.
    expect(daemon[1]).toBe('--expose-gc');
    // The client hung up: the bridge ends cleanly, the daemon (and its sessions) live on.
    expect(await first.exitCode).toBe(0);
    expect(isAlive(first.pid)).toBe(true);

    const second = await helloThroughBridge(['--state-dir', stateDir]);
    expect(second.pid).toBe(first.pid);
    expect(await second.exitCode).toBe(0);
    await stopDaemon(stateDir);
  });

  it('says why on stderr (never on stdout) when the daemon cannot start, with the exit code that means "do not retry"', async () => {
    const stateDir = world.hostDir('broken');
    // A directory where the journal database should be: the daemon cannot open it and exits.
    await mkdir(join(stateDir, 'host.db'), { recursive: true });
    const child = spawn(process.execPath, [BRIDGE, '--state-dir', stateDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^agent-host bridge: could not start the agent-host daemon in .* \(the daemon exited with code 1\); log /);
  });

  it('makes a daemon that cannot start a permanent failure of the host, with the log tail, and no retry loop', async () => {
    sshd = await startSshd({ hardened: true });
    await world.writeSshConfig(sshd.sshConfigEntry('vm'));
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    for (const name of ['FLIGHTDECK_SSH_CONFIG', 'FLIGHTDECK_KNOWN_HOSTS', 'FLIGHTDECK_AGENT_HOST_NODE_MODULES', 'SSH_AUTH_SOCK']) {
      process.env[name] = world.env[name];
    }
    const hostDir = world.hostDir('vm');
    await mkdir(join(hostDir, 'host.db'), { recursive: true });
    const core = FleetCore.open({ home: world.home, clientName: 'fleet-bridge-test' });
    try {
      const host = await core.addHost({ name: 'vm', target: 'vm', hostDir });
      expect(host.state).toBe('failed');
      expect(host.retryAt).toBeNull();
      expect(host.error).toMatch(/^agent-host on vm \(.*\): could not start the agent-host daemon in .* \(the daemon exited with code 1\)/);
      // The tail of the daemon's log: why it could not start.
      expect(host.error).toContain(`log ${join(hostDir, 'daemon.log')}:\nagent-host: unable to open database file`);
      const again = await core.connectHost('vm').catch((error: unknown) => error);
      expect(again).toMatchObject({ code: 'agent-host-start-failed' });
      expect(core.listHosts()[0]).toMatchObject({ state: 'failed', retryAt: null });
    } finally {
      core.close();
    }
  });

  it('is what the app uploads and runs over SSH', async () => {
    sshd = await startSshd({ hardened: true });
    await world.writeSshConfig(sshd.sshConfigEntry('vm'));
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    for (const name of ['FLIGHTDECK_SSH_CONFIG', 'FLIGHTDECK_KNOWN_HOSTS', 'FLIGHTDECK_AGENT_HOST_NODE_MODULES', 'SSH_AUTH_SOCK']) {
      process.env[name] = world.env[name];
    }
    const hostDir = world.hostDir('vm');
    const core = FleetCore.open({ home: world.home, clientName: 'fleet-bridge-test' });
    try {
      expect((await core.addHost({ name: 'vm', target: 'vm', hostDir })).state).toBe('connected');
      const install = join(hostDir, 'agent-host', '0.1.0');
      expect(existsSync(join(install, 'bridge.mjs'))).toBe(true);
      const bridges = readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .flatMap((pid) => {
          try {
            return [commandLine(Number(pid))];
          } catch {
            return [];
          }
        })
        .filter((argv) => argv.includes(hostDir) && argv.some((arg) => arg.endsWith('bridge.mjs') || arg === 'bridge'));
      expect(bridges.length).toBeGreaterThan(0);
      for (const argv of bridges) expect(argv[1]).toBe(join(install, 'bridge.mjs'));
    } finally {
      core.close();
    }
  });
});
