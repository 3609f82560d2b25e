import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, withVm } from './fleet/env';

describe('agent-host upgrade', { timeout: 180_000 }, () => {
  const vm = withVm();

  it('never stops running sessions without consent, and upgrades with it', async () => {
    const { world } = vm;
    // An "older release": the same daemon, reporting version 0.0.9.
    const current = readFileSync(join(ROOT, 'out/agent-host/agent-host.mjs'), 'utf8');
    expect(current).toContain('HOST_VERSION = "0.1.0"');
    const oldDir = join(world.dir, 'old-release');
    await mkdir(oldDir);
    await writeFile(join(oldDir, 'agent-host.mjs'), current.replace('HOST_VERSION = "0.1.0"', 'HOST_VERSION = "0.0.9"'));
    // The build names its version beside the bundle; an old release does the same.
    await writeFile(join(oldDir, 'version.json'), '{"version":"0.0.9"}\n');
    const old = { FLIGHTDECK_AGENT_HOST_BUNDLE: join(oldDir, 'agent-host.mjs') };
    const hostDir = world.hostDir('vm');

    expect((await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir], { env: old })).code).toBe(0);
    const started = await world.cli(['session', 'start', 'vm', '--name', 'busy', '--', 'sh', '-c', 'exec cat'], { env: old });
    expect(started.code).toBe(0);

    const check = await world.cli(['host', 'check', 'vm']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('agent-host 0.0.9');
    expect(check.stdout).toContain('agent-host 0.1.0 is available: flightdeck host upgrade vm');
    // This app's build was installed beside the old one; the old daemon keeps running meanwhile.
    expect(existsSync(join(hostDir, 'agent-host', '0.1.0', 'agent-host.mjs'))).toBe(true);

    const refused = await world.cli(['host', 'upgrade', 'vm']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('1 session(s) still running');
    expect(refused.stderr).toContain('--force');
    const stillRunning = JSON.parse((await world.cli(['session', 'list', 'vm', '--json'])).stdout) as { sessions: { session: { status: string; endedAt: number | null } }[] };
    expect(stillRunning.sessions[0]!.session.endedAt).toBeNull();

    const upgraded = await world.cli(['host', 'upgrade', 'vm', '--force', '--json']);
    expect(upgraded.stderr).toBe('');
    expect(JSON.parse(upgraded.stdout)).toEqual({ name: 'vm', previousVersion: '0.0.9', version: '0.1.0', stoppedSessions: 1 });
    const after = JSON.parse((await world.cli(['host', 'check', 'vm', '--json'])).stdout) as { hostVersion: string };
    expect(after.hostVersion).toBe('0.1.0');
  });
});
