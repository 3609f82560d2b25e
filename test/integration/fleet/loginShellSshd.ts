// The harness sshd with another login shell for the VM user (fish, tcsh…), without touching the system's users:
// sshd runs in a private mount namespace (unshare -m) where a copy of /etc/passwd naming that shell, and a
// throwaway home, is bind-mounted over /etc/passwd. Only that sshd and its sessions see the copy. Needs root.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LoginShellSshd {
  /** The `Host vm` block for the world's SSH config. */
  sshConfigEntry: string;
  knownHostsLine: string;
  stop(): Promise<void>;
}

const SERVER = join(import.meta.dirname, 'loginShellServer.ts');

export async function startSshdWithLoginShell(shell: string): Promise<LoginShellSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-login-shell-'));
  const uid = process.getuid?.();
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => {
      const fields = line.split(':');
      if (fields.length !== 7 || Number(fields[2]) !== uid) return line;
      return [...fields.slice(0, 5), dir, shell].join(':');
    })
    .join('\n');
  writeFileSync(join(dir, 'passwd'), passwd);
  let child: ChildProcess | undefined;
  try {
    child = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/passwd && exec "$@"', join(dir, 'passwd'), process.execPath, '--import', 'tsx', SERVER],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = once(child, 'exit');
    const ready = once(createInterface({ input: child.stdout! }), 'line') as Promise<[string]>;
    const failed = exited.then(([code]) => {
      throw new Error(`the sshd in a mount namespace exited (${code}) before it was ready`);
    });
    const [line] = await Promise.race([ready, failed]);
    const started = JSON.parse(line) as Omit<LoginShellSshd, 'stop'>;
    const running = child;
    return {
      ...started,
      async stop() {
        running.stdin!.end();
        await exited;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
