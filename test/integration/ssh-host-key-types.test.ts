// A host known by one key type that presents another: refused as a changed key (as OpenSSH does), never
// accepted by --yes; and the key types already known are the ones asked for first.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintOf, generateKeyPair, startSshd, type KeyPair, type Sshd } from '../harness/sshd';
import { makeWorld, type FleetWorld } from './fleet/env';

const execFileAsync = promisify(execFile);

async function rsaKeyPair(dir: string): Promise<KeyPair> {
  const privateKeyPath = join(dir, 'host_rsa');
  await execFileAsync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'flightdeck-test-rsa', '-f', privateKeyPath]);
  const publicKey = (await readFile(`${privateKeyPath}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  return { privateKeyPath, publicKey };
}

/** sshd extra config: also hold the RSA key, and offer only `algorithms` (all of its keys when omitted). */
const holding = (rsa: KeyPair, algorithms?: string): string[] => [`HostKey ${rsa.privateKeyPath}`, ...(algorithms ? [`HostKeyAlgorithms ${algorithms}`] : [])];
const RSA_ONLY = 'rsa-sha2-512,rsa-sha2-256';

describe('host keys of another type', { timeout: 120_000 }, () => {
  let world: FleetWorld;
  let ed25519: KeyPair;
  let rsa: KeyPair;
  const sshds: Sshd[] = [];
  const start = async (extraConfig: string[], port?: number): Promise<Sshd> => {
    const sshd = await startSshd({ hardened: true, hostKeyPath: ed25519.privateKeyPath, extraConfig, port });
    sshds.push(sshd);
    await world.writeSshConfig(sshd.sshConfigEntry('vm', { knownHostsPath: world.knownHostsPath }));
    return sshd;
  };
  const endpointOf = (sshd: Sshd): string => `[127.0.0.1]:${sshd.port}`;

  beforeEach(async () => {
    world = await makeWorld();
    ed25519 = await generateKeyPair(world.dir, 'host_ed25519');
    rsa = await rsaKeyPair(world.dir);
  });

  afterEach(async () => {
    await world.cleanup();
    for (const sshd of sshds.splice(0)) await sshd.stop();
  });

  it('refuses an RSA key from a host known_hosts knows as ed25519, naming both fingerprints, also with --yes', async () => {
    const sshd = await start(holding(rsa, RSA_ONLY));
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);

    const result = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--yes', '--host-dir', world.hostDir('vm')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `HOST KEY CHANGED for ${endpointOf(sshd)}: it now presents ssh-rsa ${fingerprintOf(rsa.publicKey)}, but ${world.knownHostsPath}:1 has ssh-ed25519 ${fingerprintOf(ed25519.publicKey)}`,
    );
    expect(result.stderr).not.toContain('--yes: trusting');
  });

  it('asks a host with ed25519 and RSA keys for the type known_hosts has (RSA), instead of calling it unknown', async () => {
    const sshd = await start(holding(rsa));
    await writeFile(world.knownHostsPath, `${endpointOf(sshd)} ${rsa.publicKey}\n`);

    const result = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('--yes=HOST trusts only that host, says so, and never replaces a pinned key of another type', async () => {
    const first = await start([]);
    const other = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--yes=elsewhere', '--host-dir', world.hostDir('vm')]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`--yes=elsewhere does not apply to host vm (${endpointOf(first)})`);

    const pinned = await world.cli(['host', 'check', 'vm', '--yes=vm']);
    expect(pinned.stderr).toContain(`--yes: trusting the new host key of ${endpointOf(first)} (host vm): ssh-ed25519 ${fingerprintOf(ed25519.publicKey)}`);
    expect(pinned.code).toBe(0);

    // The same host now offers only its RSA key: the ed25519 pin makes that a change, --yes or not.
    await first.stop();
    const second = await start(holding(rsa, RSA_ONLY), first.port);
    const changed = await world.cli(['host', 'check', 'vm', '--yes']);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(
      `HOST KEY CHANGED for ${endpointOf(second)}: it now presents ssh-rsa ${fingerprintOf(rsa.publicKey)}, but the Flightdeck pin has ssh-ed25519 ${fingerprintOf(ed25519.publicKey)}`,
    );

    const retrustWithYes = await world.cli(['host', 'trust', 'vm', '--yes']);
    expect(retrustWithYes.code).toBe(1);
    expect(retrustWithYes.stderr).toContain(`--yes does not replace the known host key of ${endpointOf(second)} (host vm)`);
    expect(retrustWithYes.stderr).toContain(`flightdeck host trust vm --fingerprint ${fingerprintOf(rsa.publicKey)}`);

    const retrust = await world.cli(['host', 'trust', 'vm', '--fingerprint', fingerprintOf(rsa.publicKey)]);
    expect(retrust.stderr).toBe('');
    expect(retrust.code).toBe(0);
  });
});
