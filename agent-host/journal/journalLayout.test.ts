import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../common/protocol/session';
import { integrityCheck, openDatabase, type Db } from './database';
import { Journal } from './journal';

let dir: string;
let db: Db | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-journal-layout-'));
});

afterEach(() => {
  db?.close();
  db = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const info = (id: string): SessionInfo => ({
  id,
  name: id,
  command: 'sh',
  args: [],
  cwd: '/',
  labels: {},
  cols: 80,
  rows: 24,
  status: 'working',
  pid: 42,
  exitCode: null,
  exitSignal: null,
  createdAt: 1,
  endedAt: null,
  endOffset: 0,
  retainedFrom: 0,
  inputAllowed: true,
});

const tableSql = (db: Db, name: string) =>
  (db.prepare('SELECT sql FROM sqlite_master WHERE type = ? AND name = ?').get('table', name) as { sql: string }).sql;

/** The journal's tables as files made before 2026-12-03 have them. */
const EARLIER_LAYOUT = `
CREATE TABLE output (session_id TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (session_id, offset)) WITHOUT ROWID;
CREATE TABLE screens (session_id TEXT NOT NULL, kind TEXT NOT NULL, offset INTEGER NOT NULL, cols INTEGER NOT NULL,
  rows INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, kind, offset)) WITHOUT ROWID;`;

describe('journal table layout', () => {
  it('makes output and screens rowid tables in a new file: spilled rows never take part in a key comparison', () => {
    db = openDatabase(join(dir, 'host.db'));
    for (const table of ['output', 'screens']) expect(tableSql(db, table)).not.toMatch(/WITHOUT ROWID/i);
  });

  it('keeps serving and appending to a file made with the earlier WITHOUT ROWID tables, spilled rows included', () => {
    const path = join(dir, 'host.db');
    const earlier = new Database(path);
    earlier.pragma('page_size = 16384');
    earlier.exec(EARLIER_LAYOUT);
    const big = Buffer.alloc(20_000, 'a'); // spills to overflow pages
    earlier.prepare('INSERT INTO output (session_id, offset, data) VALUES (?, ?, ?)').run('s-1', 0, big);
    earlier.prepare('INSERT INTO screens VALUES (?, ?, ?, ?, ?, ?)').run('s-1', 'last', 20_000, 80, 24, 'x'.repeat(30_000));
    earlier.close();

    db = openDatabase(path);
    const journal = new Journal(db);
    journal.createSession(info('s-1'));
    journal.append('s-1', 20_000, Buffer.from('tail'));
    journal.saveScreen('s-1', 'last', { data: 'y'.repeat(30_000), cols: 80, rows: 24, offset: 20_004 });

    expect(Buffer.concat(journal.read('s-1', 19_998).map((chunk) => chunk.data)).toString()).toBe('aatail');
    expect(journal.screen('s-1', 'last')).toMatchObject({ offset: 20_004, data: 'y'.repeat(30_000) });
    expect(journal.sessions()[0]!.endOffset).toBe(20_004);
    for (const table of ['output', 'screens']) expect(tableSql(db, table)).toMatch(/WITHOUT ROWID/i);
    expect(integrityCheck(db)).toBe('ok');
  });
});
