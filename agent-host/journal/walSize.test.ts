import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOURNAL_SIZE_LIMIT, openDatabase } from './database';
import { Journal } from './journal';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-wal-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('host database WAL size', () => {
  it('shrinks the WAL back under the limit once a reader that held checkpoints back is gone', () => {
    const path = join(dir, 'host.db');
    const db = openDatabase(path);
    const journal = new Journal(db);
    journal.createSession({
      id: 's-1', name: 'n', command: 'c', args: [], cwd: '/', labels: {}, cols: 80, rows: 24, status: 'working', pid: 1,
      exitCode: null, exitSignal: null, createdAt: 0, endedAt: null, endOffset: 0, retainedFrom: 0, inputAllowed: true,
    });
    // A slow viewer's journal read keeps a read transaction open: no checkpoint can finish, the WAL grows.
    const reader = new Database(path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM output').get();
    const batch = new Uint8Array(256 * 1024).fill(120);
    let offset = 0;
    for (; offset < JOURNAL_SIZE_LIMIT * 1.5; offset += batch.length) journal.append('s-1', offset, batch);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(JOURNAL_SIZE_LIMIT);
    reader.exec('COMMIT');
    reader.close();
    // The next commits checkpoint the whole WAL and start it over, truncated to the limit.
    for (let i = 0; i < 3; i++, offset += batch.length) journal.append('s-1', offset, batch);
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(JOURNAL_SIZE_LIMIT);
    db.close();
  });
});
