import { spawn, spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_HOST_BUNDLE, hello, spawnLocalBridge } from './client';
import { runCli, useLocalBridges } from './fixture';

const { dirs, bridges } = useLocalBridges();

describe('agent-host commands', () => {
  it('prints its version, from the bundle and through bin/agent-host.js', () => {
    const result = runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bin = spawnSync(process.execPath, [join(import.meta.dirname, '../../../bin/agent-host.js'), '--version'], { encoding: 'utf8' });
    expect(bin.status).toBe(0);
    expect(bin.stdout).toBe(result.stdout);
  });

  it('starts one daemon for racing bridges, on a 0600 socket in a 0700 dir, and reports it in status', async () => {
    const stateDir = join(await dirs.make(), 'host');
    const racers = [spawnLocalBridge({ stateDir }), spawnLocalBridge({ stateDir }), spawnLocalBridge({ stateDir })];
    bridges.push(...racers);
    const hellos = await Promise.all(racers.map((racer) => hello(racer.peer)));
    expect(new Set(hellos.map((h) => h.pid)).size).toBe(1);
    expect(statSync(join(stateDir, 'agent-host.sock')).mode & 0o777).toBe(0o600);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);

    await racers[0]!.peer.request('session.start', { command: 'sleep', args: ['30'], name: 'napper' });
    const status = runCli(['status', '--state-dir', stateDir, '--json']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as { running: boolean; stats: { pid: number }; sessions: { name: string }[] };
    expect(parsed.running).toBe(true);
    expect(parsed.stats.pid).toBe(hellos[0]!.pid);
    expect(parsed.sessions.map((s) => s.name)).toEqual(['napper']);
    const human = runCli(['status', '--state-dir', stateDir]);
    expect(human.stdout).toMatch(/running, pid \d+/);
    expect(human.stdout).toContain('napper');
  });

  it('says when no daemon runs', async () => {
    const result = runCli(['status', '--state-dir', join(await dirs.make(), 'none'), '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ running: false });
  });

  it('a bridge that cannot start the daemon says why on stderr and exits non-zero', async () => {
    const stateDir = await dirs.make();
    writeFileSync(join(stateDir, 'host.db'), 'this is not a database, it is a trap'.repeat(200));
    const child = spawn(process.execPath, [AGENT_HOST_BUNDLE, 'bridge', '--state-dir', stateDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/could not start the agent-host daemon/);
    expect(stderr).toMatch(/not a database/);
  });

  it('rejects a bad flag value with a clear message', () => {
    const result = runCli(['serve', '--high-watermark', 'lots']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--high-watermark must be a positive integer/);
  });
});
