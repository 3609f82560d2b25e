import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../harness/sshd';
import { CLI_BUNDLE, makeWorld, type FleetWorld } from './fleet/env';

/** The CLI in a real terminal, so it asks its questions; answers are typed when the question shows. */
function interactiveCli(world: FleetWorld, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = pty.spawn(process.execPath, [CLI_BUNDLE, ...args], { cols: 200, rows: 40, env: { ...world.env, ...env } as Record<string, string> });
  let output = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.onData((data) => {
    output += data;
    for (const waiter of [...waiters]) {
      if (output.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
  return {
    output: () => output,
    exited,
    /** Waits for `text` to appear (after `after` chars already seen), then types `answer`. */
    answer(text: string, answer: string): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" in ${JSON.stringify(output)}`)), 45_000);
        const done = (): void => {
          clearTimeout(timer);
          child.write(answer);
          resolve();
        };
        if (output.includes(text)) done();
        else waiters.push({ text, resolve: done });
      });
    },
    kill: () => child.kill(),
  };
}

describe('flightdeck CLI: authentication, prompts and failures', { timeout: 120_000 }, () => {
  let sshd: Sshd;
  let world: FleetWorld;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeEach(async () => {
    world = await makeWorld();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await world.cleanup();
    await sshd?.stop();
  });

  it('asks y/N with the fingerprint, then the passphrase of an encrypted key (again when wrong)', async () => {
    sshd = await startSshd({ hardened: true, clientKeyPassphrase: 'correct horse' });
    await world.writeSshConfig(sshd.sshConfigEntry('vm'));
    const cli = interactiveCli(world, ['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm')]);
    cleanups.push(() => cli.kill());
    await cli.answer(`ssh-ed25519 key fingerprint is ${sshd.hostKeyFingerprint}`, '');
    await cli.answer('Trust this key and continue connecting? [y/N] ', 'y\r');
    await cli.answer(`Passphrase for ${sshd.clientKeyPath}`, 'wrong\r');
    await cli.answer(`Wrong passphrase. Passphrase for ${sshd.clientKeyPath}`, 'correct horse\r');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain('added vm: vm, connected, agent-host 0.1.0');
    expect(cli.output()).not.toContain('correct horse');
  });

  it('authenticates with ssh-agent when the key lives only in the agent', async () => {
    sshd = await startSshd({ hardened: true });
    const socket = join(world.dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    cleanups.push(() => {
      agent.kill();
    });
    const add = async (): Promise<number | null> => {
      const child = spawn('ssh-add', [sshd.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const [code] = (await once(child, 'close')) as [number | null];
      return code;
    };
    // The agent needs a moment to bind its socket: retry ssh-add on its own failure, bounded.
    let added: number | null = 2;
    for (let attempt = 0; attempt < 50 && added !== 0; attempt++) added = await add();
    expect(added).toBe(0);
    await world.writeSshConfig(`Host vm\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${join(world.dir, 'no-such-key')}\n`);
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);

    const result = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm')], { env: { SSH_AUTH_SOCK: socket } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const without = await world.cli(['host', 'check', 'vm']);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/authentication failed for root@127\.0\.0\.1:\d+ \(tried: key .*no-such-key \(missing\)\)/);
  });

  it('names a key file it cannot read (and the errno) instead of hanging, and goes on to the next key', async () => {
    sshd = await startSshd({ hardened: true });
    const notAFile = join(world.dir, 'keys-dir');
    await mkdir(notAFile);
    const entry = (keys: string[]) =>
      `Host vm\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentitiesOnly yes\n${keys.map((key) => `  IdentityFile ${key}\n`).join('')}`;
    await world.writeSshConfig(entry([notAFile]));
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    const unreadable = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm')]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain(`(tried: key ${notAFile} (cannot read: EISDIR: illegal operation on a directory, read))`);

    await world.writeSshConfig(entry([notAFile, sshd.clientKeyPath]));
    const next = await world.cli(['host', 'check', 'vm']);
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
  });

  it('takes back a question on the terminal when its connection attempt ends', async () => {
    // sshd gives up on a connection that has not authenticated within a second, while the human still reads.
    sshd = await startSshd({ hardened: true, extraConfig: ['LoginGraceTime 1'] });
    await world.writeSshConfig(sshd.sshConfigEntry('vm'));
    const cli = interactiveCli(world, ['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm')]);
    cleanups.push(() => cli.kill());
    await cli.answer('Trust this key and continue connecting? [y/N] ', '');
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain(`the question about [127.0.0.1]:${sshd.port} was withdrawn: its connection attempt ended`);
  });

  it('names the cause: unreachable host, and a VM without a usable Node', async () => {
    sshd = await startSshd({ hardened: true });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await world.cli(['host', 'add', 'gone', '--ssh', `root@127.0.0.1:${closedPort}`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`root@127.0.0.1:${closedPort} is unreachable: ECONNREFUSED`);

    await world.writeSshConfig(sshd.sshConfigEntry('vm'));
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    const noNode = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm')], {
      env: { FLIGHTDECK_REMOTE_NODE: '/opt/no-node-here/bin/node' },
    });
    expect(noNode.code).toBe(1);
    expect(noNode.stderr).toContain('agent-host cannot run: no "/opt/no-node-here/bin/node" on the VM\'s PATH. The VM needs Node.js >= 20');
  });

  it('keeps a saved host when the CLI is killed -9 in the middle of connecting', async () => {
    // A "host" that accepts TCP and never speaks SSH: the CLI hangs in the handshake, its host already saved.
    let onAccept!: () => void;
    const accepted = new Promise<void>((resolve) => (onAccept = resolve));
    const sockets: Socket[] = [];
    const server: Server = createServer((socket) => {
      sockets.push(socket);
      onAccept();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // close() waits for every connection to end, and nothing reads these: destroy them.
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const port = (server.address() as { port: number }).port;
    const child = spawn(process.execPath, [CLI_BUNDLE, 'host', 'add', 'tarpit', '--ssh', `root@127.0.0.1:${port}`], { env: world.env, stdio: 'ignore' });
    const closed = once(child, 'close');
    await accepted;
    child.kill('SIGKILL');
    await closed;

    const listed = await world.cli(['host', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject({ hosts: [{ name: 'tarpit', kind: 'ssh', target: `root@127.0.0.1:${port}` }] });
  });
});
