import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/auditLog';
import { openDatabase, type Db } from '../journal/database';
import { Journal } from '../journal/journal';
import { SessionManager } from './sessionManager';

let dir: string;
let db: Db;
let manager: SessionManager;
const reported: { message: string; emitter: string }[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-manager-'));
  db = openDatabase(join(dir, 'host.db'));
  reported.length = 0;
  manager = new SessionManager(new Journal(db), new AuditLog(db), {
    limits: { retentionBytes: 1024 * 1024 },
    exitedRetention: { maxAgeMs: 0, maxTotalBytes: 0 },
    onListenerError: (error, emitter) => reported.push({ message: (error as Error).message, emitter }),
  });
});

afterEach(() => {
  manager.shutdown();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SessionManager listener errors', () => {
  it('reports a throwing listener with the name of its emitter, and the others still hear the event', async () => {
    const heard: string[] = [];
    manager.events.on(() => {
      throw new Error('manager listener broke');
    });
    manager.events.on((event) => heard.push(event.type));
    const session = manager.start(
      { command: 'sh', args: ['-c', 'sleep 0.3'], cols: 80, rows: 24, inputAllowed: true },
      { actor: 'user:test', data: {} },
    );
    session.events.on(() => {
      throw new Error('session listener broke');
    });
    await new Promise<void>((resolve) => manager.events.on((event) => event.type === 'exited' && resolve()));
    expect(heard).toContain('started');
    expect(heard).toContain('exited');
    expect(reported).toContainEqual({ message: 'manager listener broke', emitter: 'session manager events' });
    expect(reported).toContainEqual({ message: 'session listener broke', emitter: `session ${session.id} events` });
  });
});
