import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../common/protocol/session';
import { integrityCheck, openDatabase, type Db } from './database';
import { Journal } from './journal';

let dir: string;
let db: Db;
let journal: Journal;

const info = (id: string): SessionInfo => ({
  id,
  name: id,
  command: 'sh',
  args: ['-c', 'true'],
  cwd: '/',
  labels: { team: 'a' },
  cols: 80,
  rows: 24,
  status: 'starting',
  pid: 42,
  exitCode: null,
  exitSignal: null,
  createdAt: 1,
  endedAt: null,
  endOffset: 0,
  retainedFrom: 0,
  inputAllowed: true,
});

const bytes = (text: string) => new TextEncoder().encode(text);
const joined = (chunks: { data: Uint8Array }[]) => new TextDecoder().decode(Buffer.concat(chunks.map((c) => c.data)));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-journal-'));
  db = openDatabase(join(dir, 'host.db'));
  journal = new Journal(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Journal', () => {
  it('stores sessions and their output with offsets, and reads from any offset inside a row', () => {
    journal.createSession(info('s-1'));
    journal.append('s-1', 0, bytes('hello '));
    journal.append('s-1', 6, bytes('world'));
    expect(journal.sessions()[0]).toMatchObject({ id: 's-1', endOffset: 11, labels: { team: 'a' }, inputAllowed: true });
    expect(joined(journal.read('s-1', 0))).toBe('hello world');
    const middle = journal.read('s-1', 3);
    expect(middle[0]!.offset).toBe(3);
    expect(joined(middle)).toBe('lo world');
    expect(journal.read('s-1', 11)).toEqual([]);
    expect(integrityCheck(db)).toBe('ok');
  });

  it('refuses a second batch at the same offset instead of overwriting output', () => {
    journal.createSession(info('s-1'));
    journal.append('s-1', 0, bytes('abc'));
    expect(() => journal.append('s-1', 0, bytes('xyz'))).toThrow();
    expect(joined(journal.read('s-1', 0))).toBe('abc');
    expect(journal.sessions()[0]!.endOffset).toBe(3);
  });

  it('takes a session\'s end from its output rows after a restart, also when a trim removed every row', () => {
    journal.createSession(info('s-1'));
    journal.createSession({ ...info('s-2'), createdAt: 2 });
    journal.append('s-1', 0, bytes('hello '));
    journal.append('s-1', 6, bytes('world'));
    journal.append('s-2', 0, bytes('abcd'));
    journal.saveScreen('s-2', 'checkpoint', { offset: 4, cols: 80, rows: 24, data: 'screen@4' });
    journal.trim('s-2', 4);
    db.close();
    db = openDatabase(join(dir, 'host.db'));
    journal = new Journal(db);
    expect(journal.sessions().map(({ id, endOffset, retainedFrom }) => ({ id, endOffset, retainedFrom }))).toEqual([
      { id: 's-1', endOffset: 11, retainedFrom: 0 },
      { id: 's-2', endOffset: 4, retainedFrom: 4 },
    ]);
  });

  it('trims at a checkpoint, keeping the screen that stands for the cut output', () => {
    journal.createSession(info('s-1'));
    for (let i = 0; i < 4; i++) journal.append('s-1', i * 4, bytes(`row${i}`));
    journal.saveScreen('s-1', 'checkpoint', { offset: 8, cols: 80, rows: 24, data: 'screen@8' });
    expect(journal.checkpointFrom('s-1', 5)).toBe(8);
    journal.trim('s-1', 8);
    expect(journal.sessions()[0]!.retainedFrom).toBe(8);
    expect(joined(journal.read('s-1', 8))).toBe('row2row3');
    expect(journal.checkpointAt('s-1', 8)?.data).toBe('screen@8');
  });

  it('keeps only the latest last-screen and forgets everything of a removed session', () => {
    journal.createSession(info('s-1'));
    journal.append('s-1', 0, bytes('x'));
    journal.saveScreen('s-1', 'last', { offset: 0, cols: 80, rows: 24, data: 'old' });
    journal.saveScreen('s-1', 'last', { offset: 1, cols: 80, rows: 24, data: 'new' });
    expect(journal.screen('s-1', 'last')).toMatchObject({ offset: 1, data: 'new' });
    journal.removeSession('s-1');
    expect(journal.sessions()).toEqual([]);
    expect(journal.read('s-1', 0)).toEqual([]);
    expect(journal.screen('s-1', 'last')).toBeNull();
  });
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
    for (const table of ['output', 'screens']) expect(tableSql(db, table)).not.toMatch(/WITHOUT ROWID/i);
  });

  it('keeps serving and appending to a file made with the earlier WITHOUT ROWID tables, spilled rows included', () => {
    const path = join(dir, 'earlier.db');
    const earlier = new Database(path);
    earlier.pragma('page_size = 16384');
    earlier.exec(EARLIER_LAYOUT);
    const big = Buffer.alloc(20_000, 'a'); // spills to overflow pages
    earlier.prepare('INSERT INTO output (session_id, offset, data) VALUES (?, ?, ?)').run('s-1', 0, big);
    earlier.prepare('INSERT INTO screens VALUES (?, ?, ?, ?, ?, ?)').run('s-1', 'last', 20_000, 80, 24, 'x'.repeat(30_000));
    earlier.close();

    const reopened = openDatabase(path);
    try {
      const earlierJournal = new Journal(reopened);
      earlierJournal.createSession(info('s-1'));
      earlierJournal.append('s-1', 20_000, Buffer.from('tail'));
      earlierJournal.saveScreen('s-1', 'last', { data: 'y'.repeat(30_000), cols: 80, rows: 24, offset: 20_004 });

      expect(Buffer.concat(earlierJournal.read('s-1', 19_998).map((chunk) => chunk.data)).toString()).toBe('aatail');
      expect(earlierJournal.screen('s-1', 'last')).toMatchObject({ offset: 20_004, data: 'y'.repeat(30_000) });
      expect(earlierJournal.sessions()[0]!.endOffset).toBe(20_004);
      for (const table of ['output', 'screens']) expect(tableSql(reopened, table)).toMatch(/WITHOUT ROWID/i);
      expect(integrityCheck(reopened)).toBe('ok');
    } finally {
      reopened.close();
    }
  });
});
