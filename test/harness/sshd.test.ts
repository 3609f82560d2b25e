import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintOfBlob, generateKeyPair, startSshd, type Sshd } from './sshd';

const execFileAsync = promisify(execFile);

const started: Sshd[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.end();
  await Promise.all(started.splice(0).map((sshd) => sshd.stop()));
});

async function sshd(options: Parameters<typeof startSshd>[0] = {}): Promise<Sshd> {
  const instance = await startSshd(options);
  started.push(instance);
  return instance;
}

function connect(server: Sshd, extra: Partial<ConnectConfig> = {}): Promise<Client> {
  const client = new Client();
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: server.host,
      port: server.port,
      username: server.user,
      privateKey: server.clientPrivateKey,
      passphrase: server.clientKeyPassphrase,
      hostVerifier: (key: Buffer) => fingerprintOfBlob(key) === server.hostKeyFingerprint,
      ...extra,
    });
  });
}

function exec(client: Client, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      let output = '';
      channel.setEncoding('utf8');
      channel.on('data', (chunk: string) => (output += chunk));
      channel.on('close', () => resolve(output));
    });
  });
}

function forwardOut(client: Client, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (error, channel) => (error ? reject(error) : resolve(channel)));
  });
}

describe('startSshd', () => {
  it('serves ssh2 with a host key matching the fingerprint OpenSSH prints', async () => {
    const server = await sshd();
    const { stdout } = await execFileAsync('ssh-keygen', ['-lf', `${server.hostKeyPath}.pub`]);
    expect(stdout.split(' ')[1]).toBe(server.hostKeyFingerprint);
    expect(server.knownHostsLine).toBe(`[127.0.0.1]:${server.port} ${server.hostPublicKey}`);

    const client = await connect(server);
    expect(await exec(client, 'echo hi')).toBe('hi\n');
  });

  it('rejects a connection whose host key does not match', async () => {
    const server = await sshd();
    await expect(connect(server, { hostVerifier: () => false })).rejects.toThrow(/verification failed/i);
  });

  it('accepts the encrypted client key only with its passphrase', async () => {
    const server = await sshd({ clientKeyPassphrase: 'correct horse' });
    expect(server.clientPrivateKey).toContain('OPENSSH PRIVATE KEY');
    expect(await exec(await connect(server), 'echo locked')).toBe('locked\n');
    await expect(connect(server, { passphrase: 'wrong' })).rejects.toThrow();
  });

  it('serves the real OpenSSH client', async () => {
    const server = await sshd();
    const { stdout } = await execFileAsync('ssh', [...server.sshArgs(), 'echo', 'hi']);
    expect(stdout).toBe('hi\n');
  });

  it('lists and kills the per-connection child serving a session', async () => {
    const server = await sshd();
    const client = await connect(server);
    expect(await exec(client, 'true')).toBe('');
    const children = server.childPids();
    expect(children).toHaveLength(1);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    process.kill(children[0]!, 'SIGKILL');
    await closed;
  });

  it('reuses a host key on the same port; a fresh key there looks like a replaced host', async () => {
    const keysDir = await mkdtemp(join(tmpdir(), 'flightdeck-keys-'));
    try {
      const hostKey = await generateKeyPair(keysDir, 'host');
      const first = await sshd({ hostKeyPath: hostKey.privateKeyPath });
      expect(first.hostPublicKey).toBe(hostKey.publicKey);
      const { port, hostKeyFingerprint } = first;
      await first.stop();

      const same = await sshd({ port, hostKeyPath: hostKey.privateKeyPath });
      expect(same.hostKeyFingerprint).toBe(hostKeyFingerprint);
      expect(await exec(await connect(same), 'echo same')).toBe('same\n');
      await same.stop();

      const replaced = await sshd({ port });
      expect(replaced.port).toBe(port);
      expect(replaced.hostKeyFingerprint).not.toBe(hostKeyFingerprint);
      const pinned = (key: Buffer) => fingerprintOfBlob(key) === hostKeyFingerprint;
      await expect(connect(replaced, { hostVerifier: pinned })).rejects.toThrow(/verification failed/i);
    } finally {
      await rm(keysDir, { recursive: true, force: true });
    }
  });

  it('jumps through a bastion to a hardened target with ssh2 and with ssh -J', async () => {
    const bastion = await sshd();
    const target = await sshd({ hardened: true, authorizedKeys: [bastion.clientPublicKey] });

    const jump = await connect(bastion);
    const tunnel = await forwardOut(jump, target.port);
    const viaBastion = await connect(target, { sock: tunnel, privateKey: bastion.clientPrivateKey });
    expect(await exec(viaBastion, 'echo through')).toBe('through\n');

    const knownHosts = join(bastion.dir, 'known_hosts_both');
    await writeFile(knownHosts, `${bastion.knownHostsLine}\n${target.knownHostsLine}\n`);
    const config = join(bastion.dir, 'ssh_config');
    await writeFile(
      config,
      bastion.sshConfigEntry('bastion', { knownHostsPath: knownHosts }) +
        target
          .sshConfigEntry('target', { knownHostsPath: knownHosts, proxyJump: 'bastion' })
          .replace(target.clientKeyPath, bastion.clientKeyPath),
    );
    const { stdout } = await execFileAsync('ssh', ['-F', config, 'target', 'echo', 'jumped']);
    expect(stdout).toBe('jumped\n');
  });

  it('hardened sshd refuses a direct-tcpip forward', async () => {
    const target = await sshd({ hardened: true });
    const client = await connect(target);
    await expect(forwardOut(client, target.port)).rejects.toThrow(/prohibited|open failure/i);
    expect(await exec(client, 'echo still-usable')).toBe('still-usable\n');
  });

  it('stop() ends the daemon and removes its files', async () => {
    const server = await startSshd();
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow();
    expect(existsSync(server.dir)).toBe(false);
  });
});
