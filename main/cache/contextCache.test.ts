import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHAIN_START, chainRecordHash, walkChain, type ChainRecord, type ChainTip } from '../../common/audit/chain';
import type { RunRecord } from '../../common/protocol/runRecord';
import type { RunState } from '../../common/protocol/runs';
import { ContextCache } from './contextCache';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** `count` records continuing `tip`, hashed as the host hashes them; `actor` tells two chains apart. */
function records(count: number, tip: ChainTip = CHAIN_START, actor = 'user:ana'): ChainRecord[] {
  const out: ChainRecord[] = [];
  let prev = tip;
  for (let i = 0; i < count; i++) {
    const seq = prev.seq + 1;
    const body = {
      seq,
      time: 1_700_000_000_000 + seq,
      actor,
      action: 'session.start',
      target: `session:s${seq}`,
      reason: seq % 2 ? null : 'because',
      outcome: 'ok',
      data: { z: [1, { b: 'é', a: null }], a: seq },
      prevHash: prev.hash,
    };
    const record = { ...body, hash: chainRecordHash(body, sha256) };
    out.push(record);
    prev = { seq, hash: record.hash };
  }
  return out;
}

const tipOf = (chain: ChainRecord[]): ChainTip => ({ seq: chain.at(-1)!.seq, hash: chain.at(-1)!.hash });

function runRecord(id: string, state: RunState, updatedAt: number): RunRecord {
  return {
    run: {
      id,
      runbook: { name: 'fix-tests', version: '1', hash: 'a'.repeat(64), source: 'built-in', file: 'runbooks/fix-tests.md' },
      repo: 'app',
      params: { target: 'unit' },
      state,
      reason: null,
      baseCommit: 'b'.repeat(40),
      integrationBranch: `flightdeck/${id}`,
      planner: null,
      planVersion: null,
      approvedVersion: null,
      steps: [],
      pullRequest: null,
      startedBy: 'ana',
      createdAt: 1,
      updatedAt,
    },
    repoUrl: 'https://git.example.com/team/app.git',
    runbookText: '# Fix tests\n',
    plans: [],
    prompts: [],
    steps: [],
    items: [],
    agents: [],
    learnings: [],
  };
}

describe('ContextCache', () => {
  let home: string;
  let cache: ContextCache;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'flightdeck-cache-'));
    cache = ContextCache.open(home);
  });

  afterEach(() => {
    cache.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps a mirrored chain exactly as the host hashed it, in seq order', () => {
    const chain = records(5);
    expect(cache.beginMirror('vm', 'id-1')).toMatchObject({ hostId: 'id-1', cursor: CHAIN_START, mirroredAt: null, alarm: null });
    expect(cache.appendAudit('vm', CHAIN_START, chain.slice(0, 2))).toBe(true);
    expect(cache.appendAudit('vm', tipOf(chain.slice(0, 2)), chain.slice(2))).toBe(true);

    const held = [...cache.auditRecords('vm')];
    expect(held).toEqual(chain);
    expect(walkChain(held, sha256)).toMatchObject({ ok: true, records: 5, tip: tipOf(chain) });
    expect([...cache.auditRecords('vm', 3)].map((record) => record.seq)).toEqual([4, 5]);
    expect(cache.mirrorState('vm')?.cursor).toEqual(tipOf(chain));
    expect(cache.hashAt('vm', 3)).toBe(chain[2]!.hash);
    expect(cache.hashAt('vm', 6)).toBeNull();
    expect(cache.hosts()).toEqual(['vm']);
  });

  it('never takes a record twice: a page from a stale cursor, or one overlapping what is held, writes nothing', () => {
    const chain = records(4);
    cache.beginMirror('vm', 'id-1');
    expect(cache.appendAudit('vm', CHAIN_START, chain.slice(0, 3))).toBe(true);
    // The same page again (a retry after a drop, another process sharing the file): the cursor moved on.
    expect(cache.appendAudit('vm', CHAIN_START, chain.slice(0, 3))).toBe(false);
    // A page that claims the cursor but repeats a held record: the key refuses it and the whole page rolls back.
    expect(() => cache.appendAudit('vm', tipOf(chain.slice(0, 3)), [chain[3]!, chain[2]!])).toThrow(/UNIQUE|PRIMARY/);
    expect(cache.auditCount('vm')).toBe(3);
    expect(cache.mirrorState('vm')?.cursor).toEqual(tipOf(chain.slice(0, 3)));
    expect(cache.appendAudit('vm', tipOf(chain.slice(0, 3)), chain.slice(3))).toBe(true);
    expect(cache.auditCount('vm')).toBe(4);
  });

  it('stops taking records while alarmed, keeps the first alarm, and on acceptance archives what the host rewrote', () => {
    const chain = records(6);
    cache.beginMirror('vm', 'id-1');
    cache.appendAudit('vm', CHAIN_START, chain);
    cache.raiseAlarm('vm', 'record 4 was rewritten', 4);
    cache.raiseAlarm('vm', 'a later alarm', 5);
    expect(cache.mirrorState('vm')).toMatchObject({ alarm: 'record 4 was rewritten', firstBadSeq: 4 });
    expect(cache.appendAudit('vm', tipOf(chain), records(1, tipOf(chain)))).toBe(false);

    expect(cache.acceptChain('vm', 'id-1', 4, 1234)).toEqual({ archived: 3 });
    expect(cache.mirrorState('vm')).toMatchObject({ cursor: tipOf(chain.slice(0, 3)), alarm: null, firstBadSeq: null });
    expect(cache.archivedRecords('vm')).toEqual(
      chain.slice(3).map((record) => ({
        ...record,
        host: 'vm',
        hostId: 'id-1',
        archivedAt: 1234,
        archivedBecause: "accepted the host's chain after: record 4 was rewritten",
      })),
    );
    // The host's chain from record 4 on is mirrored in their place.
    const forged = records(4, tipOf(chain.slice(0, 3)), 'user:mallory');
    expect(cache.appendAudit('vm', tipOf(chain.slice(0, 3)), forged)).toBe(true);
    expect([...cache.auditRecords('vm')]).toEqual([...chain.slice(0, 3), ...forged]);
    expect(cache.auditCount('vm')).toBe(7);
  });

  it('accepting a chain that agrees, or another agent-host, archives nothing or everything', () => {
    const chain = records(3);
    cache.beginMirror('vm', 'id-1');
    cache.appendAudit('vm', CHAIN_START, chain);
    expect(cache.acceptChain('vm', 'id-1', null)).toEqual({ archived: 0 });
    expect(cache.mirrorState('vm')?.cursor).toEqual(tipOf(chain));
    expect(cache.acceptChain('vm', 'id-2', 1)).toEqual({ archived: 3 });
    expect(cache.mirrorState('vm')).toMatchObject({ hostId: 'id-2', cursor: CHAIN_START });
    expect(cache.auditCount('vm')).toBe(0);
    expect(cache.archivedRecords('vm').map((record) => [record.seq, record.hostId])).toEqual([
      [1, 'id-1'],
      [2, 'id-1'],
      [3, 'id-1'],
    ]);
  });

  it('a host seen with nothing mirrored yet simply takes the new id; one with records keeps its own', () => {
    cache.beginMirror('empty', 'id-1');
    cache.adoptHostId('empty', 'id-2');
    expect(cache.mirrorState('empty')?.hostId).toBe('id-2');
    cache.beginMirror('vm', 'id-1');
    cache.appendAudit('vm', CHAIN_START, records(1));
    cache.adoptHostId('vm', 'id-2');
    expect(cache.mirrorState('vm')?.hostId).toBe('id-1');
  });

  it('a removed host: its chain moves to the archive, so a new host of that name starts clean', () => {
    cache.beginMirror('vm', 'id-1');
    cache.appendAudit('vm', CHAIN_START, records(2));
    cache.retireHost('vm');
    expect(cache.mirrorState('vm')).toBeUndefined();
    expect(cache.auditCount('vm')).toBe(0);
    expect(cache.archivedRecords('vm').map((record) => record.archivedBecause)).toEqual([
      'the host was removed from Flightdeck',
      'the host was removed from Flightdeck',
    ]);
    expect(cache.beginMirror('vm', 'id-9')).toMatchObject({ hostId: 'id-9', cursor: CHAIN_START });
  });

  it("answers `audit list` from the mirror: the host's filters, pages back from the newest, one host only", () => {
    // Every 3rd record a denied egress request of agent a1, every 4th a command of a10; the rest a person's sessions.
    const kinds = (seq: number) =>
      seq % 3 === 0
        ? { actor: 'agent:a1', action: 'egress.request', target: 'evil.example.org:443', outcome: 'denied' }
        : seq % 4 === 0
          ? { actor: 'agent:a10', action: 'command.run', target: 'command:ls', outcome: 'ok' }
          : { actor: 'user:ana', action: 'session.start', target: seq === 5 ? 'agent:a1' : `session:s${seq}`, outcome: 'ok' };
    const chain: ChainRecord[] = [];
    let prev = CHAIN_START;
    for (let seq = 1; seq <= 20; seq++) {
      const body = { seq, time: 1_000 * seq, ...kinds(seq), reason: null, data: { seq }, prevHash: prev.hash };
      chain.push({ ...body, hash: chainRecordHash(body, sha256) });
      prev = tipOf(chain);
    }
    cache.beginMirror('vm', 'id-1');
    cache.appendAudit('vm', CHAIN_START, chain);
    cache.beginMirror('other', 'id-2');
    cache.appendAudit('other', CHAIN_START, records(30));
    const seqs = (filter: Parameters<ContextCache['queryAudit']>[1]) => {
      const { records: page, more } = cache.queryAudit('vm', filter);
      return { seqs: page.map((record) => record.seq), more };
    };

    expect(cache.queryAudit('vm', { limit: 2 })).toEqual({ records: chain.slice(18), more: true });
    expect(seqs({ limit: 5, before: 19 })).toEqual({ seqs: [14, 15, 16, 17, 18], more: true });
    expect(seqs({ limit: 50, before: 3 })).toEqual({ seqs: [1, 2], more: false });
    // An agent: what it did and what was done to it; a10 is not a1.
    expect(seqs({ agent: 'a1', limit: 50 }).seqs).toEqual([3, 5, 6, 9, 12, 15, 18]);
    expect(seqs({ agent: 'a10', limit: 50 }).seqs).toEqual([4, 8, 16, 20]);
    expect(seqs({ action: 'egress.*', outcome: 'denied', limit: 3 })).toEqual({ seqs: [12, 15, 18], more: true });
    expect(seqs({ action: 'egress.*', outcome: 'denied', limit: 3, before: 12 })).toEqual({ seqs: [3, 6, 9], more: false });
    expect(seqs({ action: 'egress', limit: 50 }).seqs).toEqual([]);
    expect(seqs({ outcome: 'ok', since: 15_000, limit: 50 }).seqs).toEqual([16, 17, 19, 20]);
    expect(seqs({ after: 17, limit: 2 })).toEqual({ seqs: [18, 19], more: true });
    expect(cache.queryAudit('nobody', { limit: 10 })).toEqual({ records: [], more: false });
  });

  it('keeps run records per host, telling whether a fetched record changed anything', () => {
    expect(cache.putRun('vm', runRecord('r-000001', 'running', 10))).toBe(true);
    expect(cache.putRun('vm', runRecord('r-000001', 'running', 10))).toBe(false);
    expect(cache.putRun('vm', runRecord('r-000001', 'done', 20))).toBe(true);
    expect(cache.putRun('other', runRecord('r-000002', 'planning', 5))).toBe(true);
    expect(cache.runVersion('vm', 'r-000001')).toEqual({ updatedAt: 20, state: 'done' });
    expect(cache.runVersion('vm', 'r-000002')).toBeUndefined();
    expect(cache.runRecords('vm').map((run) => [run.run, run.state, run.record.run.updatedAt])).toEqual([['r-000001', 'done', 20]]);
    expect(cache.runRecords().map((run) => `${run.host}/${run.run}`)).toEqual(['other/r-000002', 'vm/r-000001']);
    expect(cache.hosts()).toEqual(['other', 'vm']);
  });

  it('serves the repo sync every mirrored chain and every run', () => {
    const chain = records(2);
    cache.beginMirror('vm', 'id-1');
    cache.appendAudit('vm', CHAIN_START, chain);
    cache.putRun('vm', runRecord('r-000001', 'done', 1));
    cache.putRun('runs-only', runRecord('r-000002', 'done', 1));
    const source = cache.contextSource();
    expect(source.hosts().map((host) => ({ name: host.name, hostId: host.hostId, records: [...host.records()] }))).toEqual([
      { name: 'vm', hostId: 'id-1', records: chain },
    ]);
    expect(source.runs().map((record) => record.run.id)).toEqual(['r-000002', 'r-000001']);
  });

  it('reads after a reopen exactly what was there before closing', () => {
    const chain = records(5);
    cache.beginMirror('vm', 'id-1');
    cache.appendAudit('vm', CHAIN_START, chain);
    cache.markMirrored('vm', 5000);
    cache.raiseAlarm('vm', 'cut', 5);
    cache.acceptChain('vm', 'id-1', 5, 6000);
    cache.putRun('vm', runRecord('r-000001', 'paused', 3));
    const before = {
      state: cache.mirrorState('vm', 9000),
      audit: [...cache.auditRecords('vm')],
      archive: cache.archivedRecords('vm'),
      runs: cache.runRecords(),
      hosts: cache.hosts(),
    };
    cache.close();
    cache = ContextCache.open(home);
    expect({
      state: cache.mirrorState('vm', 9000),
      audit: [...cache.auditRecords('vm')],
      archive: cache.archivedRecords('vm'),
      runs: cache.runRecords(),
      hosts: cache.hosts(),
    }).toEqual(before);
    expect(before.state).toMatchObject({ mirroredAt: 5000, ageMs: 4000, cursor: tipOf(chain.slice(0, 4)) });
  });

  it('refuses a file from a newer version instead of guessing at its schema', () => {
    cache.close();
    const db = new Database(join(home, 'cache.db'));
    db.pragma('user_version = 99');
    db.close();
    expect(() => ContextCache.open(home)).toThrow(/newer version/);
    const restore = new Database(join(home, 'cache.db'));
    restore.pragma('user_version = 1');
    restore.close();
    cache = ContextCache.open(home);
  });
});
