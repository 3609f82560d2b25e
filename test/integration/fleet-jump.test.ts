import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../harness/sshd';
import { makeWorld, type FleetWorld } from './fleet/env';

describe('flightdeck CLI through a bastion (ProxyJump)', { timeout: 120_000 }, () => {
  let bastion: Sshd;
  let target: Sshd;
  let world: FleetWorld;

  beforeEach(async () => {
    bastion = await startSshd({ logLevel: 'DEBUG1' });
    // The VM behind the bastion is locked down (no forwarding) and trusts the same client key.
    target = await startSshd({ hardened: true, clientKeyPath: bastion.clientKeyPath });
    world = await makeWorld();
  });

  afterEach(async () => {
    await world.cleanup();
    await target.stop();
    await bastion.stop();
  });

  it('reaches the VM via the ~/.ssh/config ProxyJump, with the bastion known from known_hosts and the VM trusted by fingerprint', async () => {
    await world.writeSshConfig(bastion.sshConfigEntry('bastion') + target.sshConfigEntry('vm', { proxyJump: 'bastion' }));
    await writeFile(world.knownHostsPath, `${bastion.knownHostsLine}\n`);
    const hostDir = world.hostDir('vm');

    const added = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir, '--fingerprint', target.hostKeyFingerprint]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    // The VM's connection came through the bastion's direct-tcpip channel, not straight from the test.
    expect(bastion.log()).toContain(`server_request_direct_tcpip: originator 127.0.0.1 port 0, target 127.0.0.1 port ${target.port}`);

    const started = await world.cli(['session', 'start', 'vm', '--', 'sh', '-c', 'echo behind-the-bastion']);
    expect(started.code).toBe(0);
    const output = await world.cli(['session', 'output', started.stdout.trim(), '--follow']);
    expect(output.stdout).toContain('behind-the-bastion');
  });

  it('takes the jump from --jump user@host:port when the config has none', async () => {
    await writeFile(world.knownHostsPath, `${bastion.knownHostsLine}\n`);
    const hostDir = world.hostDir('vm');
    const added = await world.cli([
      'host', 'add', 'vm',
      '--ssh', `${target.user}@127.0.0.1:${target.port}`,
      '--identity', target.clientKeyPath,
      '--jump', `${bastion.user}@127.0.0.1:${bastion.port}`,
      '--host-dir', hostDir,
      '--fingerprint', target.hostKeyFingerprint,
    ]);
    // The jump hop has no IdentityFile of its own in this config: the default keys do not exist, so it must fail
    // with a clear auth error naming what was tried, unless the identity is given for the hop via config.
    expect(added.code).toBe(1);
    expect(added.stderr).toMatch(/authentication failed for .*127\.0\.0\.1:\d+ \(tried: /);

    await world.writeSshConfig(`Host 127.0.0.1\n  IdentityFile ${bastion.clientKeyPath}\n  IdentitiesOnly yes\n`);
    const retried = await world.cli(['host', 'check', 'vm', '--fingerprint', target.hostKeyFingerprint]);
    expect(retried.stderr).toBe('');
    expect(retried.code).toBe(0);
  });
});
