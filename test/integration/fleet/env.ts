// A fresh Flightdeck world per test: its own FLIGHTDECK_HOME, SSH config, known_hosts and host dirs, and the
// real CLI bundle run as a child process. Daemons started in host dirs are stopped on cleanup.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { startSshd, type Sshd } from '../../harness/sshd';

export const ROOT = join(import.meta.dirname, '../../..');
export const CLI_BUNDLE = join(ROOT, 'out/cli/flightdeck.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface FleetWorld {
  dir: string;
  home: string;
  sshConfigPath: string;
  knownHostsPath: string;
  env: NodeJS.ProcessEnv;
  /** A fresh, not yet existing agent-host dir on "the VM" (the same machine here). */
  hostDir(name: string): string;
  writeSshConfig(text: string): Promise<void>;
  cli(args: string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  cleanup(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the agent-host daemon a test started in `stateDir` (it is detached by design, so it outlives the CLI). */
export async function stopDaemon(stateDir: string): Promise<void> {
  const pidFile = join(stateDir, 'daemon.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

export async function makeWorld(): Promise<FleetWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'flightdeck-fleet-'));
  const home = join(dir, 'home');
  const sshConfigPath = join(dir, 'ssh_config');
  const knownHostsPath = join(dir, 'known_hosts');
  await writeFile(sshConfigPath, '');
  await writeFile(knownHostsPath, '');
  const hostDirs: string[] = [join(home, 'local-host')];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLIGHTDECK_HOME: home,
    FLIGHTDECK_SSH_CONFIG: sshConfigPath,
    FLIGHTDECK_KNOWN_HOSTS: knownHostsPath,
    // Same machine: the VM side loads the native addons from this checkout instead of an uploaded tarball.
    FLIGHTDECK_AGENT_HOST_NODE_MODULES: join(ROOT, 'node_modules'),
    SSH_AUTH_SOCK: '',
  };
  return {
    dir,
    home,
    sshConfigPath,
    knownHostsPath,
    env,
    hostDir(name) {
      const path = join(dir, 'vm', name);
      hostDirs.push(path);
      return path;
    },
    writeSshConfig: (text) => writeFile(sshConfigPath, text),
    cli(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI_BUNDLE, ...args], { env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`flightdeck ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, options.timeoutMs ?? 30_000);
        child.once('error', reject);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
    },
    async cleanup() {
      for (const hostDir of hostDirs) await stopDaemon(hostDir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Per test: a hardened sshd known as `vm` (in the world's SSH config and known_hosts) and a fresh world. */
export function withVm(): { readonly sshd: Sshd; readonly world: FleetWorld } {
  const current = {} as { sshd: Sshd; world: FleetWorld };
  beforeEach(async () => {
    current.sshd = await startSshd({ hardened: true });
    current.world = await makeWorld();
    await current.world.writeSshConfig(current.sshd.sshConfigEntry('vm'));
    await writeFile(current.world.knownHostsPath, `${current.sshd.knownHostsLine}\n`);
  });
  afterEach(async () => {
    await current.world.cleanup();
    await current.sshd.stop();
  });
  return current;
}
