import Database from 'better-sqlite3';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  command TEXT NOT NULL,
  args TEXT NOT NULL,
  cwd TEXT NOT NULL,
  labels TEXT NOT NULL,
  cols INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  status TEXT NOT NULL,
  pid INTEGER,
  exit_code INTEGER,
  exit_signal TEXT,
  created_at REAL NOT NULL,
  ended_at REAL,
  end_offset INTEGER NOT NULL DEFAULT 0,
  retained_from INTEGER NOT NULL DEFAULT 0,
  input_allowed INTEGER NOT NULL
);
-- Rowid tables with the key in an index, not WITHOUT ROWID: there the whole row is the key, so every key comparison
-- against a row spilled to overflow pages (a batch over ~4 KiB, every screen) read all of it back. Files made
-- before 2026-12-03 keep their WITHOUT ROWID tables; the statements below work on both.
CREATE TABLE IF NOT EXISTS output (
  session_id TEXT NOT NULL,
  offset INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (session_id, offset)
);
-- kind 'checkpoint': a screen at a journal row boundary, candidates for the retention cut;
-- kind 'last': the most recent screen, so a session that died with the daemon still shows it.
CREATE TABLE IF NOT EXISTS screens (
  session_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  offset INTEGER NOT NULL,
  cols INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (session_id, kind, offset)
);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  time REAL NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  reason TEXT,
  outcome TEXT NOT NULL,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- Append-only by construction: the daemon never updates or deletes audit rows, and SQLite refuses to.
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
`;

/**
 * The WAL is cut back to this size whenever it starts over after a checkpoint. Without it, a WAL that grew while a
 * slow reader held checkpoints back (a burst of output, a long replay) keeps its largest size on disk forever.
 */
export const JOURNAL_SIZE_LIMIT = 32 * 1024 * 1024;

export function openDatabase(path: string, options: { readonly?: boolean } = {}): Db {
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (!options.readonly) {
    // Output rows are blobs of up to 256 KiB: bigger pages mean fewer overflow pages to write, about a
    // third less CPU per journaled byte. Takes effect only in a new file (before WAL); old files keep theirs.
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a crash of the daemon loses nothing committed; only an OS crash may lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    db.exec(SCHEMA);
  }
  db.pragma('busy_timeout = 5000');
  return db;
}

export function integrityCheck(db: Db): string {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((row) => row.integrity_check).join('; ');
}

export function metaValue(db: Db, key: string, create: () => string): string {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  if (row) return row.value;
  const value = create();
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(key, value);
  return value;
}
