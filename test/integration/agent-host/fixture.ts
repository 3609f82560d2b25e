// Per-test state dirs and daemon cleanup for agent-host integration tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { afterEach } from 'vitest';
import { fingerprintOfBlob, startSshd, type Sshd } from '../../harness/sshd';
import { AGENT_HOST_BUNDLE, execSshBridge, spawnLocalBridge, waitFor, type HostPeer, type LocalBridge } from './client';

export const EMIT_SCRIPT = join(import.meta.dirname, 'fixtures/emit.mjs');

/** A command line for session.start that prints `total` deterministic bytes through a raw-mode PTY (no \r\n mangling). */
export function emitCommand(total: number, chunk = 65536, delayMs = 0): { command: string; args: string[] } {
  return { command: 'sh', args: ['-c', `stty raw -echo && exec "${process.execPath}" "${EMIT_SCRIPT}" ${total} ${chunk} ${delayMs}`] };
}

/** Running, not merely a zombie waiting for init (detached daemons are reaped by init, sometimes late). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function daemonPid(stateDir: string): number | undefined {
  const path = join(stateDir, 'daemon.pid');
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Stops the daemon a test started (by the pid it wrote), then its state dir goes. */
export async function stopDaemon(stateDir: string): Promise<void> {
  const pid = daemonPid(stateDir);
  if (pid && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    try {
      await waitFor(() => !isAlive(pid), `daemon ${pid} to stop`, 5000);
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
}

export class StateDirs {
  private dirs: string[] = [];

  async make(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'fd-agent-host-'));
    this.dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    const dirs = this.dirs.splice(0);
    for (const dir of dirs) {
      // A test may keep its state one level down (to have the bridge create the dir).
      const nested = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
      for (const stateDir of [dir, ...nested.map((entry) => join(dir, entry.name))]) await stopDaemon(stateDir);
    }
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

export function sshConnect(server: Sshd): Promise<Client> {
  const client = new Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: server.host,
      port: server.port,
      username: server.user,
      privateKey: server.clientPrivateKey,
      hostVerifier: (key: Buffer) => fingerprintOfBlob(key) === server.hostKeyFingerprint,
    });
  });
}

/** Runs the agent-host CLI (status, audit verify) and returns its exit code and output. */
export function runCli(args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [AGENT_HOST_BUNDLE, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export type Via = 'local' | 'ssh';

export interface OpenBridge {
  peer: HostPeer;
  /** Drops the transport abruptly (kills the child, or sshd's per-connection processes). */
  kill(): void;
}

/** Bridges over either transport the app uses: a local child, or an SSH exec channel through the harness sshd. */
export class Bridges {
  private sshd: Sshd | undefined;
  private locals: LocalBridge[] = [];
  private clients: Client[] = [];

  async open(via: Via, stateDir: string, args: string[] = []): Promise<OpenBridge> {
    if (via === 'local') {
      const local = spawnLocalBridge({ stateDir, args });
      this.locals.push(local);
      return { peer: local.peer, kill: () => local.child.kill('SIGKILL') };
    }
    this.sshd ??= await startSshd({ hardened: true });
    const sshd = this.sshd;
    const ssh = await sshConnect(sshd);
    this.clients.push(ssh);
    const before = new Set(sshd.childPids());
    const { peer } = await execSshBridge(ssh, { stateDir, args });
    return {
      peer,
      kill: () => {
        for (const pid of sshd.childPids()) if (!before.has(pid)) process.kill(pid, 'SIGKILL');
        ssh.destroy();
      },
    };
  }

  /** After each test: every connection goes. */
  close(): void {
    for (const local of this.locals.splice(0)) {
      local.peer.close();
      local.child.kill();
    }
    for (const client of this.clients.splice(0)) client.end();
  }

  /** After all tests. */
  async stop(): Promise<void> {
    this.close();
    await this.sshd?.stop();
    this.sshd = undefined;
  }
}

/** State dirs and local bridges of a test file, closed and removed after each test. */
export function useLocalBridges(): { dirs: StateDirs; bridges: LocalBridge[] } {
  const dirs = new StateDirs();
  const bridges: LocalBridge[] = [];
  afterEach(async () => {
    for (const local of bridges.splice(0)) {
      local.peer.close();
      local.child.kill();
    }
    await dirs.cleanup();
  });
  return { dirs, bridges };
}
