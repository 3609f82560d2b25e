import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../harness/sshd';
import { makeWorld, type FleetWorld } from './fleet/env';

describe('flightdeck CLI over a real, hardened sshd', () => {
  let sshd: Sshd;
  let world: FleetWorld;

  beforeEach(async () => {
    // Hardened: no TCP, no stream-local forwarding. The bridge must ride an exec channel.
    sshd = await startSshd({ hardened: true });
    world = await makeWorld();
    // The alias's own known_hosts is replaced by the test's empty one: the key starts out unknown.
    await world.writeSshConfig(sshd.sshConfigEntry('vm'));
  });

  afterEach(async () => {
    await world.cleanup();
    await sshd.stop();
  });

  it('adds a host, needs explicit trust, bootstraps agent-host into a fresh host dir, runs a session and reads it', async () => {
    const hostDir = world.hostDir('vm');

    const added = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir]);
    expect(added.code).toBe(1);
    expect(added.stderr).toContain(sshd.hostKeyFingerprint);
    expect(added.stderr).toContain(`flightdeck host trust vm --fingerprint ${sshd.hostKeyFingerprint}`);
    expect(existsSync(hostDir)).toBe(false); // nothing ran on the host before the key was trusted

    const wrong = await world.cli(['host', 'trust', 'vm', '--fingerprint', 'SHA256:not-the-key']);
    expect(wrong.code).toBe(1);

    const trusted = await world.cli(['host', 'trust', 'vm', '--fingerprint', sshd.hostKeyFingerprint]);
    expect(trusted.stderr).toBe('');
    expect(trusted.code).toBe(0);
    expect(readFileSync(join(hostDir, 'agent-host', '0.1.0', 'agent-host.mjs')).length).toBeGreaterThan(100_000);
    expect(existsSync(join(hostDir, 'daemon.pid'))).toBe(true);

    const check = await world.cli(['host', 'check', 'vm', '--json']);
    expect(check.code).toBe(0);
    const report = JSON.parse(check.stdout) as { hostVersion: string; connectMs: number; latencyMs: number; stateDir: string };
    expect(report.hostVersion).toBe('0.1.0');
    expect(report.stateDir).toBe(hostDir);
    console.log(`[measure] CLI host check: connect ${report.connectMs} ms, round trip ${report.latencyMs} ms`);

    const listed = await world.cli(['host', 'list', '--json']);
    expect(JSON.parse(listed.stdout).hosts).toEqual([{ name: 'vm', kind: 'ssh', target: 'vm', hostDir }]);

    const started = await world.cli([
      'session', 'start', 'vm', '--name', 'greeter', '--',
      'sh', '-c', 'printf "hello %s\\n" fleet; read line; echo "got:$line"; sleep 0.2',
    ]);
    expect(started.code).toBe(0);
    const ref = started.stdout.trim();
    expect(ref).toMatch(/^vm\/[A-Za-z0-9_-]+$/);

    // By name; the session reads the line and ends, so --follow returns.
    const sent = await world.cli(['session', 'send', 'vm/greeter', 'ping-from-cli', '--enter']);
    expect(sent.code).toBe(0);
    const followed = await world.cli(['session', 'output', ref, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('hello fleet\r\nping-from-cli\r\ngot:ping-from-cli\r\n');

    const fromOffset = await world.cli(['session', 'output', ref, '--from', '6']);
    expect(fromOffset.stdout).toBe(followed.stdout.slice(6));

    const sessions = JSON.parse((await world.cli(['session', 'list', 'vm', '--json'])).stdout) as {
      sessions: { host: string; session: { id: string; name: string; status: string; exitCode: number } }[];
    };
    expect(sessions.sessions.map((row) => [`${row.host}/${row.session.id}`, row.session.name, row.session.status, row.session.exitCode])).toEqual([
      [ref, 'greeter', 'exited', 0],
    ]);
  }, 240_000);

  it('refuses a host key that differs from known_hosts, naming both fingerprints', async () => {
    const other = await startSshd();
    try {
      await world.writeSshConfig(sshd.sshConfigEntry('vm'));
      // known_hosts says this endpoint has another ed25519 key (the other sshd's).
      await import('node:fs/promises').then((fs) => fs.writeFile(world.knownHostsPath, `[127.0.0.1]:${sshd.port} ${other.hostPublicKey}\n`));
      const added = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm'), '--yes']);
      expect(added.code).toBe(1);
      expect(added.stderr).toContain('HOST KEY CHANGED');
      expect(added.stderr).toContain(sshd.hostKeyFingerprint);
      expect(added.stderr).toContain(other.hostKeyFingerprint);
    } finally {
      await other.stop();
    }
  });

  it('refuses a key that changed after it was pinned, until it is explicitly re-trusted', async () => {
    const hostDir = world.hostDir('vm');
    expect((await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir, '--fingerprint', sshd.hostKeyFingerprint])).code).toBe(0);
    // The "VM" is reinstalled: same address, new host key.
    const port = sshd.port;
    await sshd.stop();
    sshd = await startSshd({ hardened: true, port });
    await world.writeSshConfig(sshd.sshConfigEntry('vm'));

    const refused = await world.cli(['host', 'check', 'vm', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HOST KEY CHANGED');
    expect(refused.stderr).toContain(sshd.hostKeyFingerprint);

    const retrusted = await world.cli(['host', 'trust', 'vm', '--fingerprint', sshd.hostKeyFingerprint]);
    expect(retrusted.code).toBe(0);
    expect((await world.cli(['host', 'check', 'vm'])).code).toBe(0);
  }, 180_000);
});
