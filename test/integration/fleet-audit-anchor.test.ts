import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../common/audit/chain';
import { recordHash, type AuditRow } from '../../agent-host/audit/auditLog';
import { FleetCore } from '../../main/core/fleetCore';
import { AGENT_HOST_BUNDLE } from './agent-host/client';
import { auditedWork } from './fleet/auditedWork';
import { makeWorld, stopDaemon, type FleetWorld } from './fleet/env';

/**
 * What an attacker with the host's files can do: rewrite the chain after `keepUpTo` (or drop it) so that every
 * hash and the stored head agree again. The host's own verify cannot tell.
 */
function forgeChain(database: string, keepUpTo: number, edit: (row: AuditRow) => AuditRow | null): void {
  const db = new Database(database);
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  const rows = db.prepare('SELECT * FROM audit ORDER BY seq').all() as AuditRow[];
  db.prepare('DELETE FROM audit WHERE seq > ?').run(keepUpTo);
  let prev = rows.find((row) => row.seq === keepUpTo)?.hash ?? GENESIS_HASH;
  let seq = keepUpTo;
  const insert = db.prepare(
    'INSERT INTO audit (seq, time, actor, action, target, reason, outcome, data, prev_hash, hash) VALUES (@seq, @time, @actor, @action, @target, @reason, @outcome, @data, @prev_hash, @hash)',
  );
  for (const original of rows.filter((row) => row.seq > keepUpTo)) {
    const edited = edit(original);
    if (!edited) continue;
    const { hash: _old, ...rest } = { ...edited, seq: ++seq, prev_hash: prev };
    const hash = recordHash(rest);
    insert.run({ ...rest, hash });
    prev = hash;
  }
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)").run(JSON.stringify({ seq, hash: prev }));
  db.close();
}

function hostVerify(stateDir: string, anchor?: string): { code: number | null; stdout: string } {
  const args = [AGENT_HOST_BUNDLE, 'audit', 'verify', '--state-dir', stateDir, ...(anchor ? ['--anchor', anchor] : [])];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout };
}

describe('audit anchors: a host cannot cut or rewrite history a client has seen', { timeout: 120_000 }, () => {
  let world: FleetWorld;
  let core: FleetCore;
  let stateDir: string;

  beforeEach(async () => {
    world = await makeWorld();
    core = FleetCore.open({ home: world.home, clientName: 'fleet-audit-anchor-test' });
    stateDir = join(world.home, 'local-host');
  });

  afterEach(async () => {
    core.close();
    await stopDaemon(stateDir);
    await world.cleanup();
  });

  const work = (count: number) => auditedWork(core, 'local', count);

  /** Stops the daemon, lets `tamper` edit its files, connects again and returns the alarm the connect raised. */
  async function reconnectAfter(tamper: () => void): Promise<string> {
    core.host('local').disconnect();
    await stopDaemon(stateDir);
    tamper();
    let stop = (): void => undefined;
    const alarm = new Promise<string>((resolve) => {
      stop = core.onEvent((event) => {
        if (event.type === 'hosts.changed' && event.host.auditAlarm) resolve(event.host.auditAlarm);
      });
    });
    await core.connectHost('local');
    return alarm.finally(stop);
  }

  it('notices a tail cut from the chain, though the host verifies its own chain as intact', async () => {
    await core.connectHost('local');
    await work(3);
    const seen = await core.verifyAudit('local', false);
    expect(seen).toMatchObject({ ok: true, alarm: null });
    const anchor = seen.head!;

    const alarm = await reconnectAfter(() => forgeChain(join(stateDir, 'host.db'), anchor.seq - 2, () => null));
    expect(alarm).toContain(`no longer holds record ${anchor.seq}`);
    // The host alone is fooled: its stored head was rewritten to match the shorter chain.
    expect(hostVerify(stateDir)).toMatchObject({ code: 0, stdout: expect.stringContaining('audit ok') });
    // With the head a client kept, it is not.
    expect(hostVerify(stateDir, `${anchor.seq}:${anchor.hash}`)).toMatchObject({ code: 1, stdout: expect.stringContaining('was cut') });

    expect(await core.verifyAudit('local', false)).toMatchObject({ ok: false, anchorHeld: false, alarm: expect.stringContaining('was cut') });

    const check = await world.cli(['host', 'check', 'local']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('AUDIT ALARM');
    const cli = await world.cli(['audit', 'verify', 'local']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('ALARM');
    // The human looked into it and takes the chain as it is now: the alarm ends, new work is anchored again.
    expect((await world.cli(['audit', 'verify', 'local', '--accept'])).code).toBe(0);
    await work(1);
    expect(await core.verifyAudit('local', false)).toMatchObject({ ok: true, alarm: null });
  });

  it('notices a record rewritten with every hash recomputed, and a database replaced wholesale', async () => {
    await core.connectHost('local');
    await work(2);
    const seen = await core.verifyAudit('local', false);
    const anchor = seen.head!;

    const rewritten = await reconnectAfter(() =>
      forgeChain(join(stateDir, 'host.db'), anchor.seq - 1, (row) => ({ ...row, actor: 'user:someone-else' })),
    );
    expect(hostVerify(stateDir).code).toBe(0);
    expect(rewritten).toContain(`record ${anchor.seq} is not the one seen before`);

    expect((await core.verifyAudit('local', true)).alarm).toBeNull();
    const replaced = await reconnectAfter(() => {
      for (const file of ['host.db', 'host.db-wal', 'host.db-shm']) rmSync(join(stateDir, file), { force: true });
    });
    expect(replaced).toContain('answers as another host');
  });
});
