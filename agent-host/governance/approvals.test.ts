import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WireErrorCode } from '../../common/wire/errors';
import { AuditLog } from '../audit/auditLog';
import { openDatabase, type Db } from '../journal/database';
import { Approvals } from './approvals';

const REQUEST = { agent: 'a1', tool: 'Bash', command: 'npm install left-pad', rule: 'commands.ask npm install *', source: 'host policy line 3' };

describe('Approvals', () => {
  let dir: string;
  let db: Db;
  let audit: AuditLog;
  let approvals: Approvals;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'approvals-'));
    db = openDatabase(join(dir, 'host.db'));
    audit = new AuditLog(db);
    approvals = new Approvals(audit);
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const decisions = () =>
    (db.prepare("SELECT actor, outcome, reason, data FROM audit WHERE action = 'approval.decision' ORDER BY seq").all() as { actor: string; outcome: string; reason: string | null; data: string }[]).map(
      (row) => ({ actor: row.actor, outcome: row.outcome, reason: row.reason, decision: (JSON.parse(row.data) as { decision: string }).decision }),
    );

  it('holds the action until a person decides, auditing request and decision with who decided', async () => {
    const requested = new Promise<string>((resolve) => approvals.events.on((event) => event.type === 'requested' && resolve(event.approval.id)));
    const outcome = approvals.request(REQUEST);
    const id = await requested;
    expect(approvals.pendingFor('a1').map((approval) => approval.id)).toEqual([id]);
    approvals.decide(id, false, 'user:lead@laptop', 'use the lockfile');
    expect(await outcome).toEqual({ id, approved: false, by: 'user:lead@laptop', reason: 'use the lockfile' });
    expect(decisions()).toEqual([{ actor: 'user:lead@laptop', outcome: 'denied', reason: 'use the lockfile', decision: 'rejected' }]);
    expect(approvals.list().find((approval) => approval.id === id)).toMatchObject({ status: 'rejected', decidedBy: 'user:lead@laptop' });
    // Decided once: a second decision is refused, an unknown id named.
    expect(() => approvals.decide(id, true, 'user:other', null)).toThrow(`approval ${id} is already rejected`);
    expect(() => approvals.decide('ap-00000000', true, 'user:other', null)).toThrow(expect.objectContaining({ code: WireErrorCode.ApprovalNotFound }));
  });

  it('counts an approval nobody decided in time as rejected, by the host', async () => {
    const outcome = await approvals.request({ ...REQUEST, timeoutMs: 50 });
    expect(outcome).toMatchObject({ approved: false, by: 'host', reason: 'nobody decided within 50 ms' });
    expect(decisions()).toEqual([{ actor: 'host', outcome: 'denied', reason: 'nobody decided within 50 ms', decision: 'expired' }]);
  });

  it('ends the pending approvals of an agent that went away', async () => {
    const outcome = approvals.request(REQUEST);
    approvals.dropAgent('a1');
    expect(await outcome).toMatchObject({ approved: false, by: 'host', reason: 'the agent stopped' });
    expect(approvals.pendingFor('a1')).toEqual([]);
  });

  it('refuses to hold an action whose request cannot be audited (the caller denies it)', () => {
    db.close();
    expect(() => approvals.request(REQUEST)).toThrow();
    expect(approvals.list()).toEqual([]);
    db = openDatabase(join(dir, 'host.db'));
  });
});
