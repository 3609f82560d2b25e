import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../journal/database';
import { AuditLog } from './auditLog';
import { verifyAudit } from './auditVerify';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-audit-redact-'));
  db = openDatabase(join(dir, 'host.db'));
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const githubToken = `ghp_${'Q1w2E3r4T5'.repeat(4)}`;

describe('AuditLog redaction', () => {
  it('stores no secret shape from data (at any depth), reason or target, and the chain verifies', () => {
    const audit = new AuditLog(db);
    const record = audit.append({
      actor: 'user:alice@laptop',
      action: 'session.start',
      target: `session:curl -H "Authorization: Bearer ${githubToken}"`,
      reason: `retry with password=hunter2`,
      outcome: 'error',
      data: { args: ['-H', `Authorization: token ${githubToken}`], env: { nested: [`GITHUB_TOKEN=${githubToken}`] }, bytes: 3 },
    });
    const stored = JSON.stringify(db.prepare('SELECT * FROM audit').all());
    expect(stored).not.toContain(githubToken);
    expect(stored).not.toContain('hunter2');
    expect(record.reason).toBe('retry with password=«redacted:password»');
    expect(record.target).toBe('session:curl -H "Authorization: «redacted:github-token»"');
    expect(record.data).toEqual({
      args: ['-H', 'Authorization: «redacted:github-token»'],
      env: { nested: ['GITHUB_TOKEN=«redacted:github-token»'] },
      bytes: 3,
    });
    expect(verifyAudit(db)).toMatchObject({ ok: true, records: 1, headHash: record.hash });
  });
});
