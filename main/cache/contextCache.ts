import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, CHAIN_START, type ChainRecord, type ChainTip } from '../../common/audit/chain';
import { auditFilterQuery, auditPage, type AuditFilter } from '../../common/audit/filterQuery';
import { RunRecord } from '../../common/protocol/runRecord';
import type { RunState } from '../../common/protocol/runs';
import type { ContextSource } from '../context/contextSource';

/** Each entry moves the schema one version forward; user_version records how far a file has come. */
const MIGRATIONS: string[] = [
  `CREATE TABLE audit_records (
     host TEXT NOT NULL,
     seq INTEGER NOT NULL,
     time INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT NOT NULL,
     reason TEXT,
     outcome TEXT NOT NULL,
     data TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL,
     PRIMARY KEY (host, seq)
   ) WITHOUT ROWID;
   CREATE TABLE mirror_state (
     host TEXT PRIMARY KEY,
     host_id TEXT NOT NULL,
     cursor_seq INTEGER NOT NULL,
     cursor_hash TEXT NOT NULL,
     mirrored_at INTEGER,
     alarm TEXT,
     first_bad_seq INTEGER
   );
   CREATE TABLE run_records (
     host TEXT NOT NULL,
     run TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     state TEXT NOT NULL,
     record TEXT NOT NULL,
     mirrored_at INTEGER NOT NULL,
     PRIMARY KEY (host, run)
   );
   CREATE TABLE audit_archive (
     id INTEGER PRIMARY KEY,
     host TEXT NOT NULL,
     host_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     time INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT NOT NULL,
     reason TEXT,
     outcome TEXT NOT NULL,
     data TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL,
     archived_at INTEGER NOT NULL,
     archived_because TEXT NOT NULL
   );
   CREATE INDEX audit_archive_by_host ON audit_archive (host, seq);`,
];

/** How far a host's audit is mirrored, and the alarm that stops it. */
export interface MirrorState {
  host: string;
  /** The agent-host whose chain the cached records are (host.hello's hostId). */
  hostId: string;
  /** The newest record held: the next page starts after it and must link to it. */
  cursor: ChainTip;
  /** When a mirror of this host last finished; null before the first. */
  mirroredAt: number | null;
  /** Milliseconds since then, at the time of reading: what "stale" shows. */
  ageMs: number | null;
  /** Sticky until the human accepts the host's chain (`audit verify --accept`). */
  alarm: string | null;
  /** The first record the host no longer agrees on; null when the alarm names none (identity, or raised elsewhere). */
  firstBadSeq: number | null;
}

export interface CachedRun {
  host: string;
  run: string;
  updatedAt: number;
  state: RunState;
  record: RunRecord;
  mirroredAt: number;
}

/** A record that left the mirrored chain when a human accepted the host's rewritten one: kept as evidence. */
export interface ArchivedRecord extends ChainRecord {
  host: string;
  hostId: string;
  archivedAt: number;
  archivedBecause: string;
}

interface AuditRow {
  seq: number;
  time: number;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
  outcome: string;
  data: string;
  prev_hash: string;
  hash: string;
}

interface StateRow {
  host: string;
  host_id: string;
  cursor_seq: number;
  cursor_hash: string;
  mirrored_at: number | null;
  alarm: string | null;
  first_bad_seq: number | null;
}

const AUDIT_COLUMNS = 'seq, time, actor, action, target, reason, outcome, data, prev_hash, hash';

function chainRecord(row: AuditRow): ChainRecord {
  const { data, prev_hash: prevHash, ...rest } = row;
  return { ...rest, data: JSON.parse(data) as Record<string, unknown>, prevHash };
}

/**
 * The app's cache (`<home>/cache.db`): each host's audit chain and run records, mirrored by cursor
 * (main/cache/mirror.ts), read by the repo sync and the CLI while a host is offline. Nothing is ever deleted: records
 * a rewritten chain replaced move to the archive. A file of its own beside the store: it can grow large, and losing
 * it loses no configuration. WAL + synchronous=FULL: a kill -9 loses nothing committed.
 */
export class ContextCache {
  private constructor(private readonly db: Database.Database) {}

  static open(home: string): ContextCache {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const db = new Database(join(home, 'cache.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const cache = new ContextCache(db);
    cache.migrate();
    return cache;
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`the Flightdeck cache is from a newer version (schema ${version}); upgrade Flightdeck`);
    }
    for (let next = version; next < MIGRATIONS.length; next++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[next]!);
        this.db.pragma(`user_version = ${next + 1}`);
      })();
    }
  }

  /** Every host the cache holds anything of, by name. */
  hosts(): string[] {
    const rows = this.db.prepare('SELECT host FROM mirror_state UNION SELECT host FROM run_records ORDER BY host').all() as { host: string }[];
    return rows.map((row) => row.host);
  }

  mirrorState(host: string, now = Date.now()): MirrorState | undefined {
    const row = this.db.prepare('SELECT * FROM mirror_state WHERE host = ?').get(host) as StateRow | undefined;
    return (
      row && {
        host: row.host,
        hostId: row.host_id,
        cursor: { seq: row.cursor_seq, hash: row.cursor_hash },
        mirroredAt: row.mirrored_at,
        ageMs: row.mirrored_at === null ? null : Math.max(0, now - row.mirrored_at),
        alarm: row.alarm,
        firstBadSeq: row.first_bad_seq,
      }
    );
  }

  /** The host's mirrored chain in seq order (after `after`), read lazily: it may be long. */
  *auditRecords(host: string, after = 0): IterableIterator<ChainRecord> {
    const rows = this.db
      .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_records WHERE host = ? AND seq > ? ORDER BY seq`)
      .iterate(host, after) as IterableIterator<AuditRow>;
    for (const row of rows) yield chainRecord(row);
  }

  /** `audit list` over the mirrored chain: the same filter and paging as the host's (common/audit/filterQuery.ts). */
  queryAudit(host: string, filter: AuditFilter): { records: ChainRecord[]; more: boolean } {
    const { where, args, order } = auditFilterQuery(filter);
    const sql = `SELECT ${AUDIT_COLUMNS} FROM audit_records WHERE ${['host = ?', ...where].join(' AND ')} ORDER BY seq ${order} LIMIT ?`;
    const { page, more } = auditPage(this.db.prepare(sql).all(host, ...args, filter.limit + 1) as AuditRow[], filter.limit, order);
    return { records: page.map(chainRecord), more };
  }

  auditCount(host: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM audit_records WHERE host = ?').get(host) as { n: number }).n;
  }

  /** The hash of one mirrored record, or null when the cache does not hold it. */
  hashAt(host: string, seq: number): string | null {
    const row = this.db.prepare('SELECT hash FROM audit_records WHERE host = ? AND seq = ?').get(host, seq) as { hash: string } | undefined;
    return row?.hash ?? null;
  }

  archivedRecords(host: string): ArchivedRecord[] {
    const rows = this.db
      .prepare(`SELECT host, host_id, ${AUDIT_COLUMNS}, archived_at, archived_because FROM audit_archive WHERE host = ? ORDER BY id`)
      .all(host) as (AuditRow & { host: string; host_id: string; archived_at: number; archived_because: string })[];
    return rows.map(({ host: name, host_id: hostId, archived_at: archivedAt, archived_because: archivedBecause, ...row }) => ({
      ...chainRecord(row),
      host: name,
      hostId,
      archivedAt,
      archivedBecause,
    }));
  }

  /** Run records of one host, or of every host; rows this version cannot read are skipped, never deleted. */
  runRecords(host?: string): CachedRun[] {
    const rows = (
      host === undefined
        ? this.db.prepare('SELECT * FROM run_records ORDER BY host, updated_at').all()
        : this.db.prepare('SELECT * FROM run_records WHERE host = ? ORDER BY updated_at').all(host)
    ) as { host: string; run: string; updated_at: number; state: RunState; record: string; mirrored_at: number }[];
    const runs: CachedRun[] = [];
    for (const row of rows) {
      const parsed = RunRecord.safeParse(JSON.parse(row.record));
      if (parsed.success) {
        runs.push({ host: row.host, run: row.run, updatedAt: row.updated_at, state: row.state, record: parsed.data, mirroredAt: row.mirrored_at });
      }
    }
    return runs;
  }

  /** The cache as the repo sync reads it: every mirrored chain (up to what was last agreed on) and every run. */
  contextSource(): ContextSource {
    return {
      hosts: () =>
        this.hosts().flatMap((name) => {
          const state = this.mirrorState(name);
          return state ? [{ name, hostId: state.hostId, records: () => this.auditRecords(name) }] : [];
        }),
      runs: () => this.runRecords().map((run) => run.record),
    };
  }

  /** What the cache holds of one run, to decide whether to fetch it again. */
  runVersion(host: string, run: string): { updatedAt: number; state: RunState } | undefined {
    const row = this.db.prepare('SELECT updated_at, state FROM run_records WHERE host = ? AND run = ?').get(host, run) as
      | { updated_at: number; state: RunState }
      | undefined;
    return row && { updatedAt: row.updated_at, state: row.state };
  }

  /** Stores the run's newest record; false when it is the one already held. */
  putRun(host: string, record: RunRecord): boolean {
    const text = JSON.stringify(record);
    const held = this.db.prepare('SELECT record FROM run_records WHERE host = ? AND run = ?').get(host, record.run.id) as { record: string } | undefined;
    if (held?.record === text) return false;
    this.db
      .prepare(
        `INSERT INTO run_records (host, run, updated_at, state, record, mirrored_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (host, run) DO UPDATE SET updated_at = excluded.updated_at, state = excluded.state,
           record = excluded.record, mirrored_at = excluded.mirrored_at`,
      )
      .run(host, record.run.id, record.run.updatedAt, record.run.state, text, Date.now());
    return true;
  }

  /** The host's state, created at the chain's start for a host seen the first time. */
  beginMirror(host: string, hostId: string): MirrorState {
    this.db
      .prepare('INSERT INTO mirror_state (host, host_id, cursor_seq, cursor_hash) VALUES (?, ?, ?, ?) ON CONFLICT (host) DO NOTHING')
      .run(host, hostId, CHAIN_START.seq, CHAIN_START.hash);
    return this.mirrorState(host)!;
  }

  /** A host answering under another id with nothing mirrored yet: nothing seen is lost, so its id is simply taken. */
  adoptHostId(host: string, hostId: string): void {
    this.db.prepare('UPDATE mirror_state SET host_id = ? WHERE host = ? AND cursor_seq = 0').run(hostId, host);
  }

  /**
   * Appends records that the caller checked link to `from` and to each other, and moves the cursor to the last, in
   * one transaction: a kill -9 keeps the page whole or not at all. False (nothing written) when the cursor is no
   * longer `from` or the host is alarmed: another process sharing this file got there first.
   */
  appendAudit(host: string, from: ChainTip, records: readonly ChainRecord[]): boolean {
    const insert = this.db.prepare(
      `INSERT INTO audit_records (host, ${AUDIT_COLUMNS}) VALUES (@host, @seq, @time, @actor, @action, @target, @reason, @outcome, @data, @prevHash, @hash)`,
    );
    const append = this.db.transaction(() => {
      const state = this.mirrorState(host);
      if (!state || state.alarm || state.cursor.seq !== from.seq || state.cursor.hash !== from.hash) return false;
      for (const record of records) insert.run({ ...record, host, data: canonicalJson(record.data) });
      const last = records.at(-1);
      if (last) this.db.prepare('UPDATE mirror_state SET cursor_seq = ?, cursor_hash = ? WHERE host = ?').run(last.seq, last.hash, host);
      return true;
    });
    // IMMEDIATE takes the write lock before reading the cursor, so two writers cannot both pass the check.
    return append.immediate();
  }

  markMirrored(host: string, at = Date.now()): void {
    this.db.prepare('UPDATE mirror_state SET mirrored_at = ? WHERE host = ?').run(at, host);
  }

  /** Stops mirroring the host's audit until accepted; the first alarm stays (it is the evidence). */
  raiseAlarm(host: string, alarm: string, firstBadSeq: number | null): void {
    this.db.prepare('UPDATE mirror_state SET alarm = ?, first_bad_seq = ? WHERE host = ? AND alarm IS NULL').run(alarm, firstBadSeq, host);
  }

  /**
   * The human accepted the host's chain as it is now: the records from `fromSeq` on (the first the host no longer
   * agrees on; null when all agree) move to the archive, the cursor goes back to the last agreeing record, the
   * alarm ends and the mirror follows `hostId` from there.
   */
  acceptChain(host: string, hostId: string, fromSeq: number | null, at = Date.now()): { archived: number } {
    return this.db.transaction(() => {
      const state = this.mirrorState(host);
      if (!state) return { archived: 0 };
      const because = `accepted the host's chain${state.alarm ? ` after: ${state.alarm}` : ''}`;
      const archived = fromSeq === null ? 0 : this.archiveFrom(host, state.hostId, fromSeq, at, because);
      const cursor = fromSeq === null ? state.cursor : this.tipBefore(host, fromSeq);
      this.db
        .prepare('UPDATE mirror_state SET host_id = ?, cursor_seq = ?, cursor_hash = ?, alarm = NULL, first_bad_seq = NULL WHERE host = ?')
        .run(hostId, cursor.seq, cursor.hash, host);
      return { archived };
    }).immediate();
  }

  /** A host removed from the app: its chain moves to the archive, so a new host of the same name starts clean. */
  retireHost(host: string, at = Date.now()): void {
    this.db.transaction(() => {
      const state = this.mirrorState(host);
      if (!state) return;
      this.archiveFrom(host, state.hostId, 1, at, 'the host was removed from Flightdeck');
      this.db.prepare('DELETE FROM mirror_state WHERE host = ?').run(host);
    }).immediate();
  }

  private archiveFrom(host: string, hostId: string, fromSeq: number, at: number, because: string): number {
    this.db
      .prepare(
        `INSERT INTO audit_archive (host, host_id, ${AUDIT_COLUMNS}, archived_at, archived_because)
         SELECT host, ?, ${AUDIT_COLUMNS}, ?, ? FROM audit_records WHERE host = ? AND seq >= ? ORDER BY seq`,
      )
      .run(hostId, at, because, host, fromSeq);
    return this.db.prepare('DELETE FROM audit_records WHERE host = ? AND seq >= ?').run(host, fromSeq).changes;
  }

  private tipBefore(host: string, seq: number): ChainTip {
    const row = this.db.prepare('SELECT seq, hash FROM audit_records WHERE host = ? AND seq < ? ORDER BY seq DESC LIMIT 1').get(host, seq) as
      | ChainTip
      | undefined;
    return row ?? CHAIN_START;
  }

  close(): void {
    this.db.close();
  }
}
