import { join } from 'node:path';
import { AuditLog, type AuditEntry } from '../../../agent-host/audit/auditLog';
import { verifyAuditYielding } from '../../../agent-host/audit/auditVerify';
import { openDatabase, type Db } from '../../../agent-host/journal/database';
import type { BenchContext } from '../context';
import type { Group } from '../suite';

const BUILD_BATCH = 10_000;
const AUDIT_LOG = 'agent-host AuditLog (better-sqlite3, WAL)';

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

/** Callers appending at once, each waiting for its record to be stored before its next (as the tool gate does). */
const CALLERS = 64;

/** One append at a time, each in its own transaction: what a lone caller pays. */
function syncAppendsPerSecond(db: Db, count: number): number {
  const log = new AuditLog(db);
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) log.append(entry(index));
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** CALLERS callers, each awaiting `appendDurable` (group commit) before appending again: fail closed at fleet load. */
async function durableAppendsPerSecond(db: Db, count: number): Promise<number> {
  const log = new AuditLog(db);
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < count) await log.appendDurable(entry(next++));
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CALLERS }, caller));
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
      { key: 'appends', label: `durable appends/s (${auditAppends.toLocaleString('en-US')}, ${CALLERS} awaiting callers, group commit)`, unit: 'appends/s', better: 'higher', digits: 0 },
      { key: 'single', label: 'appends/s one at a time (own transaction each)', unit: 'appends/s', better: 'higher', digits: 0 },
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
        name: AUDIT_LOG,
        run: async () => {
          const db = openDatabase(join(context.dir, `audit-append-${round++}.db`));
          try {
            const appends = await durableAppendsPerSecond(db, auditAppends);
            const single = syncAppendsPerSecond(db, Math.min(auditAppends, 5_000));
            const started = process.hrtime.bigint();
            const result = await verifyAuditYielding(verifyDb!);
            const verify = Number(process.hrtime.bigint() - started) / 1e9;
            if (!result.ok || result.records !== auditVerifyRecords) throw new Error(`audit verify failed: ${JSON.stringify(result)}`);
            return { appends, single, verify };
          } finally {
            db.close();
          }
        },
      },
    ],
    targets: [
      {
        metric: 'appends',
        text: 'audit >= 50,000 durable appends/s (group commit)',
        check: (median) => {
          const value = median(AUDIT_LOG);
          return value === undefined ? undefined : { measured: `${value.toFixed(0)} appends/s`, pass: value >= 50_000 };
        },
      },
      {
        metric: 'verify',
        text: 'audit verify of 1,000,000 records <= 1 s',
        check: (median) => {
          const value = median(AUDIT_LOG);
          // The bound is for a million records; a smoke run verifies fewer.
          return value === undefined ? undefined : { measured: `${value.toFixed(2)} s for ${auditVerifyRecords.toLocaleString('en-US')}`, pass: auditVerifyRecords === 1_000_000 ? value <= 1 : null };
        },
      },
    ],
    notes: [
      `Appends: ${CALLERS} callers each await \`AuditLog.appendDurable\` (group commit: the records of one event-loop turn share one transaction; a caller hears back only after it committed — what the tool gate does before answering). The one-at-a-time row is \`AuditLog.append\`, its own transaction per record, for the places that cannot await. WAL, synchronous=NORMAL.`,
      'Verification walks the whole chain with `verifyAuditYielding` (the code behind `audit.verify` and `agent-host audit verify`) in one read transaction on a connection of its own, giving the event loop back between chunks of 4096 records, recomputing every hash; SQLite builds each hash input (json_array) where every column has the type the host writes, anything else is checked the exact way.',
    ],
  };
}
