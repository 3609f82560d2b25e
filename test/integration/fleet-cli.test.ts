import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../harness/sshd';
import { CLI_BUNDLE, ROOT, makeWorld, type FleetWorld } from './fleet/env';

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
    const report = JSON.parse(check.stdout) as { hostVersion: string; connectMs: number; latencyMs: number; stateDir: string; lane: string };
    expect(report.hostVersion).toBe('0.1.0');
    // This sshd forbids forwarding: the lane stays on the bridge.
    expect(report.lane).toBe('bridge');
    expect(report.stateDir).toBe(hostDir);
    console.log(`[measure] CLI host check: connect ${report.connectMs} ms, round trip ${report.latencyMs} ms`);

    const listed = await world.cli(['host', 'list', '--json']);
    expect(JSON.parse(listed.stdout).hosts).toEqual([
      { name: 'vm', kind: 'ssh', target: 'vm', hostDir, state: 'connected', error: null, hostVersion: '0.1.0', latencyMs: expect.any(Number), sessions: 0 },
    ]);

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

  it('prints its version and the agent-host it installs', async () => {
    const version = await world.cli(['--version']);
    expect(version).toEqual({ code: 0, stdout: expect.stringMatching(/^flightdeck 0\.1\.0 \(agent-host 0\.1\.0, protocol \d+\)\n$/), stderr: '' });
  });

  it('lists each host with how connecting to it goes now, never trusting an unknown key (not even with --yes)', async () => {
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    const stranger = await startSshd({ hardened: true });
    try {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      // The stranger's key is in no known_hosts file: unknown.
      await world.writeSshConfig(sshd.sshConfigEntry('vm') + stranger.sshConfigEntry('stranger', { knownHostsPath: world.knownHostsPath }));
      expect((await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm')])).code).toBe(0);
      expect((await world.cli(['host', 'add', 'stranger', '--ssh', 'stranger', '--host-dir', world.hostDir('stranger')])).code).toBe(1);
      expect((await world.cli(['host', 'add', 'gone', '--ssh', `root@127.0.0.1:${closedPort}`])).code).toBe(1);

      const listed = await world.cli(['host', 'list', '--json', '--yes']);
      expect(listed.stderr).toBe('');
      const hosts = (JSON.parse(listed.stdout) as { hosts: { name: string; state: string; error: string | null; hostVersion: string | null }[] }).hosts;
      const byName = Object.fromEntries(hosts.map((host) => [host.name, host]));
      expect(byName.vm).toMatchObject({ state: 'connected', error: null, hostVersion: '0.1.0' });
      expect(byName.stranger).toMatchObject({ state: 'failed', hostVersion: null });
      expect(byName.stranger!.error).toContain(`(${stranger.hostKeyFingerprint}) was not trusted`);
      expect(byName.gone).toMatchObject({ state: 'reconnecting', error: expect.stringContaining('ECONNREFUSED') });

      const table = await world.cli(['host', 'list']);
      expect(table.stdout.split('\n')[0]).toMatch(/^NAME +KIND +TARGET +HOST DIR +STATE +DETAIL$/);
      expect(table.stdout).toMatch(/\nvm +ssh +vm +\S+ +connected +agent-host 0\.1\.0, 0 session\(s\), round trip [\d.]+ ms\n/);
      // Listing pinned nothing: the unknown key is still unknown.
      expect((await world.cli(['host', 'check', 'stranger'])).stderr).toContain('was not trusted');
    } finally {
      await stranger.stop();
    }
  });

  it('hands all of a large output to a pipe before exiting', async () => {
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    expect((await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm')])).code).toBe(0);
    // Four 60 000-character arguments: the JSON answer is ~240 KB, far more than a pipe holds (64 KiB).
    const args = Array.from({ length: 4 }, (_, index) => String(index).repeat(60_000));
    // `flightdeck … | cat`: stdout is a pipe(2), as in a shell pipeline.
    const child = spawn('sh', ['-c', '"$0" "$@" | cat', process.execPath, CLI_BUNDLE, 'session', 'start', 'vm', '--json', '--', 'sh', '-c', 'true', ...args], {
      env: world.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    expect((await once(child, 'close'))[0]).toBe(0);
    expect(stdout.length).toBeGreaterThan(240_000);
    expect((JSON.parse(stdout) as { session: { args: string[] } }).session.args).toEqual(['-c', 'true', ...args]);
  });

  it('says on stderr where the raw output starts when the host cut its beginning, and prints the screen only with --snapshot', async () => {
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    const hostDir = world.hostDir('vm');
    // A daemon that keeps only 4 KiB of journal per session, started the way the bridge starts it.
    const starter = spawn(process.execPath, [join(ROOT, 'out/agent-host/bridge.mjs'), '--state-dir', hostDir, '--retention-bytes', '4096'], { stdio: 'ignore' });
    expect((await once(starter, 'close'))[0]).toBe(0);
    expect((await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir])).code).toBe(0);
    // ~28 KB, then a few small writes later (the host cuts when output arrives and a screen checkpoint is ready).
    const filler = 'x'.repeat(60);
    const script = `for i in $(seq 1 400); do printf 'line %04d ${filler}\\n' $i; done; for i in 1 2 3 4 5 6; do sleep 0.1; printf 'tail %d\\n' $i; done`;
    const all = [...Array.from({ length: 400 }, (_, i) => `line ${String(i + 1).padStart(4, '0')} ${filler}\r\n`), ...[1, 2, 3, 4, 5, 6].map((i) => `tail ${i}\r\n`)].join('');
    const ref = (await world.cli(['session', 'start', 'vm', '--name', 'flood', '--', 'sh', '-c', script])).stdout.trim();
    await world.cli(['session', 'output', ref, '--follow']);
    const listed = JSON.parse((await world.cli(['session', 'list', 'vm', '--json'])).stdout) as { sessions: { session: { retainedFrom: number; endOffset: number } }[] };
    const { retainedFrom, endOffset } = listed.sessions[0]!.session;
    expect(endOffset).toBe(all.length);
    expect(retainedFrom).toBeGreaterThan(0);

    const raw = await world.cli(['session', 'output', ref]);
    expect(raw.code).toBe(0);
    expect(raw.stdout).toBe(all.slice(retainedFrom));
    expect(raw.stderr).toBe(
      `flightdeck: vm/flood: bytes 0-${retainedFrom - 1} were cut from the host's journal; the raw output starts at byte ${retainedFrom} ` +
        '(--snapshot prints the screen that stands for the cut part)\n',
    );

    const withScreen = await world.cli(['session', 'output', ref, '--snapshot']);
    expect(withScreen.stderr).toBe('');
    expect(withScreen.stdout.endsWith(all.slice(retainedFrom))).toBe(true);
    // Before the raw bytes, the serialized screen at the cut: it shows the last line written before it.
    const screen = withScreen.stdout.slice(0, withScreen.stdout.length - (all.length - retainedFrom));
    expect(screen).toContain(all.slice(0, retainedFrom).trimEnd().split('\r\n').at(-1));
  }, 120_000);
});
