import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hello, OutputCollector, spawnLocalBridge, waitFor, type LocalBridge } from './client';
import { Bridges, isAlive, runCli, StateDirs, type Via } from './fixture';

const dirs = new StateDirs();
const bridges: LocalBridge[] = [];

function bridge(stateDir: string): LocalBridge {
  const local = spawnLocalBridge({ stateDir });
  bridges.push(local);
  return local;
}

const remote = new Bridges();
afterAll(() => remote.stop());

afterEach(async () => {
  remote.close();
  for (const local of bridges.splice(0)) {
    local.peer.close();
    local.child.kill();
  }
  await dirs.cleanup();
});

describe.each<Via>(['ssh', 'local'])('agent-host durability (bridge via %s)', (via) => {
  it('survives kill -9: journal intact, sessions interrupted with output and screen, audit verifies, new sessions start', async () => {
    const stateDir = await dirs.make();
    const first = await remote.open(via, stateDir);
    const { pid } = await hello(first.peer);
    const { session } = await first.peer.request('session.start', {
      command: 'bash',
      args: ['--norc', '--noprofile', '-i'],
      env: { PS1: 'doomed$ ' },
    });
    const output = new OutputCollector(first.peer, session.id, 0);
    await first.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    await output.untilText('doomed$ ');
    await first.peer.request('session.input', { sessionId: session.id, data: 'for i in 1 2 3; do echo line-$i; done\r' });
    await output.untilText('line-3\r\n');
    await output.untilText(/line-3\r\n[^]*doomed\$ $/);
    const before = output.text();
    // Let the typing burst reach the audit (it flushes after a quiet second).
    await waitFor(() => {
      const db = new Database(join(stateDir, 'host.db'), { readonly: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'session.input'").get() as { n: number }).n > 0;
      } finally {
        db.close();
      }
    }, 'the input burst in the audit');

    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 'the daemon to die');
    await new Promise<void>((resolve) => first.peer.onClose(() => resolve()));

    const db = new Database(join(stateDir, 'host.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const second = await remote.open(via, stateDir);
    const restarted = await hello(second.peer);
    expect(restarted.pid).not.toBe(pid);
    const { sessions } = await second.peer.request('session.list', {});
    const info = sessions.find((s) => s.id === session.id)!;
    expect(info.status).toBe('interrupted');
    expect(info.endOffset).toBe(before.length);

    const replay = new OutputCollector(second.peer, session.id, 0);
    await second.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    await replay.until((c) => c.next >= info.endOffset);
    expect(replay.text()).toBe(before);
    const screen = await second.peer.request('session.attach', { sessionId: session.id, fromOffset: null });
    expect(screen.snapshot?.offset).toBe(info.endOffset);
    expect(screen.snapshot?.data).toContain('line-3');

    const fresh = await second.peer.request('session.start', { command: 'sh', args: ['-c', 'echo alive-again'] });
    const freshOutput = new OutputCollector(second.peer, fresh.session.id, 0);
    await second.peer.request('session.attach', { sessionId: fresh.session.id, fromOffset: 0 });
    await freshOutput.untilText('alive-again');

    const verify = runCli(['audit', 'verify', '--state-dir', stateDir, '--json']);
    expect(verify.code).toBe(0);
    const result = JSON.parse(verify.stdout) as { ok: boolean; records: number };
    expect(result.ok).toBe(true);
    // start, input burst, interrupted, start
    expect(result.records).toBeGreaterThanOrEqual(4);
  });
});

describe('agent-host audit verify', () => {

  const tamperings = [
    { name: 'edited', sql: "UPDATE audit SET actor = 'user:mallory' WHERE seq = 2", report: /seq 2\b.*modified/ },
    { name: 'deleted', sql: 'DELETE FROM audit WHERE seq = 3', report: /seq 3\b.*missing/ },
    {
      // Records 3 and 4 swap places, each keeping its own hash.
      name: 'reordered',
      sql: 'UPDATE audit SET seq = -3 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = -3;',
      report: /seq 3\b.*(deleted or reordered|modified)/,
    },
    { name: 'cut off the end', sql: 'DELETE FROM audit WHERE seq = 5', report: /seq 5\b.*missing/ },
  ];

  it.each(tamperings)('audit verify names the first bad record when one is $name', async ({ sql, report }) => {
    const stateDir = await dirs.make();
    const local = bridge(stateDir);
    await hello(local.peer);
    for (let i = 0; i < 5; i++) await local.peer.request('session.start', { command: 'true' });
    expect(runCli(['audit', 'verify', '--state-dir', stateDir]).code).toBe(0);
    const db = new Database(join(stateDir, 'host.db'));
    // SQLite itself refuses to change history while the guards are in place.
    expect(() => db.exec(sql)).toThrow(/append-only/);
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    db.exec(sql);
    db.close();
    const verify = runCli(['audit', 'verify', '--state-dir', stateDir]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(report);
  });
});
