import { join } from 'node:path';
import { AuditLog, verifyAudit, type AuditEntry } from '../../../agent-host/audit/auditLog';
import { openDatabase, type Db } from '../../../agent-host/journal/database';
import type { BenchContext } from '../context';
import type { Group } from '../suite';

const BUILD_BATCH = 10_000;

function entry(index: number): AuditEntry {
  return {
    actor: 'user:alice@laptop',
    action: 'session.input',
    target: `session:s-${index % 50}`,
    reason: null,
    outcome: 'ok',
    data: { bytes: 12 + (index % 7), preview: 'git status\r', clientId: 'c-1' },
  };
}

/** What the daemon does per audited action: one append, its own transaction, hash-chained to the last. */
function appendsPerSecond(db: Db, count: number): number {
  const log = new AuditLog(db);
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) log.append(entry(index));
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

export function auditGroup(context: BenchContext): Group {
  const { auditAppends, auditVerifyRecords } = context.sizes;
  let verifyDb: Db | undefined;
  let round = 0;
  return {
    id: 'audit',
    title: 'Audit: hash-chained appends and verification',
    metrics: [
      { key: 'appends', label: `appends/s (${auditAppends.toLocaleString('en-US')} appends, one transaction each)`, unit: 'appends/s', better: 'higher', digits: 0 },
      { key: 'verify', label: `verify ${auditVerifyRecords.toLocaleString('en-US')} records`, unit: 's', better: 'lower', digits: 2 },
    ],
    rounds: 2,
    budgetMs: 60_000,
    async setup() {
      verifyDb = openDatabase(join(context.dir, 'audit-verify.db'));
      const log = new AuditLog(verifyDb);
      // Built in large transactions only to save bench time; the chain is the same as one append at a time.
      const batch = verifyDb.transaction((from: number, to: number) => {
        for (let index = from; index < to; index++) log.append(entry(index));
      });
      for (let from = 0; from < auditVerifyRecords; from += BUILD_BATCH) batch(from, Math.min(auditVerifyRecords, from + BUILD_BATCH));
    },
    async teardown() {
      verifyDb?.close();
    },
    contenders: [
      {
        name: 'agent-host AuditLog (better-sqlite3, WAL)',
        run: async () => {
          const db = openDatabase(join(context.dir, `audit-append-${round++}.db`));
          try {
            const appends = appendsPerSecond(db, auditAppends);
            const started = process.hrtime.bigint();
            const result = verifyAudit(verifyDb!);
            const verify = Number(process.hrtime.bigint() - started) / 1e9;
            if (!result.ok || result.records !== auditVerifyRecords) throw new Error(`audit verify failed: ${JSON.stringify(result)}`);
            return { appends, verify };
          } finally {
            db.close();
          }
        },
      },
    ],
    targets: [],
    notes: [
      'Appends go through `AuditLog.append` exactly as the daemon calls it (each in its own transaction, WAL, synchronous=NORMAL).',
      'Verification walks the whole chain with `verifyAudit` (the code behind `agent-host audit verify`), recomputing every hash.',
    ],
  };
}
