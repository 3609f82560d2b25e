import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, walkChain, type ChainRecord } from '../../common/audit/chain';
import type { Plan } from '../../common/protocol/plan';
import type { HostProtocol } from '../../common/protocol/methods';
import type { RpcPeer } from '../../common/wire/peer';
import { recordHash, type AuditRow } from '../../agent-host/audit/auditLog';
import { mirrorHost, type MirrorOutcome } from '../../main/cache/mirror';
import { FleetCore } from '../../main/core/fleetCore';
import { FAKE_API_KEY, fakeAnthropic, type FakeAnthropic } from '../harness/fake-anthropic';
import { makeRepo, type TestRepo } from '../harness/repo';
import { waitForInbox } from './agents/agentWorld';
import { routedTurns } from './agents/routedModel';
import { auditedWork } from './fleet/auditedWork';
import { makeWorld, stopDaemon, type FleetWorld } from './fleet/env';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** What an attacker with the host's files can do: edit record `seq` and rehash every record after it, head included. */
function rewriteRecord(database: string, seq: number, edit: (row: AuditRow) => AuditRow): void {
  const db = new Database(database);
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  const rows = db.prepare('SELECT * FROM audit WHERE seq >= ? ORDER BY seq').all(seq) as AuditRow[];
  db.prepare('DELETE FROM audit WHERE seq >= ?').run(seq);
  let prev = (db.prepare('SELECT hash FROM audit WHERE seq = ?').get(seq - 1) as { hash: string } | undefined)?.hash ?? GENESIS_HASH;
  const insert = db.prepare(
    'INSERT INTO audit (seq, time, actor, action, target, reason, outcome, data, prev_hash, hash) VALUES (@seq, @time, @actor, @action, @target, @reason, @outcome, @data, @prev_hash, @hash)',
  );
  for (const original of rows) {
    const { hash: _old, ...rest } = { ...(original.seq === seq ? edit(original) : original), prev_hash: prev };
    prev = recordHash(rest);
    insert.run({ ...rest, hash: prev });
  }
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)").run(JSON.stringify({ seq: rows.at(-1)!.seq, hash: prev }));
  db.close();
}

describe('context cache: each host\'s audit chain and runs mirrored by cursor, once, and held to what was seen', { timeout: 120_000 }, () => {
  let world: FleetWorld;
  let core: FleetCore;
  let stateDir: string;
  let repo: TestRepo | undefined;
  let model: FakeAnthropic | undefined;

  beforeEach(async () => {
    world = await makeWorld();
    core = FleetCore.open({ home: world.home, clientName: 'context-cache-test' });
    stateDir = join(world.home, 'local-host');
  });

  afterEach(async () => {
    core.close();
    await stopDaemon(stateDir);
    await world.cleanup();
    await model?.close();
    await repo?.cleanup();
    model = repo = undefined;
  });

  const work = (count: number) => auditedWork(core, 'local', count);

  /** The host's whole chain, as the host lists it. */
  async function hostChain(): Promise<ChainRecord[]> {
    const { peer } = await core.host('local').lane();
    return (await peer.request('audit.list', { after: 0, limit: 10_000 })).records;
  }

  const cached = (): ChainRecord[] => [...core.cache.auditRecords('local')];

  it('takes every record once, adds nothing the second time, and shares the file with another process', async () => {
    await core.connectHost('local');
    await work(3);
    const chain = await hostChain();
    expect(chain.length).toBeGreaterThanOrEqual(3);

    const first = await core.mirrorHost('local');
    expect(first).toMatchObject({ auditAdded: chain.length, auditHead: chain.length, alarm: null });
    expect(cached()).toEqual(chain);
    expect(walkChain(cached(), sha256)).toMatchObject({ ok: true, records: chain.length });
    expect(core.cache.mirrorState('local')).toMatchObject({ cursor: { seq: chain.length, hash: chain.at(-1)!.hash }, alarm: null });
    expect(await core.mirrorHost('local')).toMatchObject({ auditAdded: 0, auditHead: chain.length, alarm: null });

    // The desktop (its own core, the same cache file) mirrors after connecting: what is already there is not taken again.
    await work(2);
    const desktop = FleetCore.open({ home: world.home, clientName: 'context-cache-desktop', autoConnect: true });
    try {
      const outcome = await new Promise<MirrorOutcome>((resolve) => desktop.onMirrored(resolve));
      expect(outcome).toMatchObject({ host: 'local', auditAdded: 2, auditHead: chain.length + 2, alarm: null });
    } finally {
      desktop.close();
    }
    expect(cached()).toEqual(await hostChain());
    expect(await core.mirrorHost('local')).toMatchObject({ auditAdded: 0 });
  });

  it('resumes after the link drops between pages: every record exactly once, the cursor at the head', async () => {
    await core.connectHost('local');
    await work(5);
    const chain = await hostChain();
    const lane = await core.host('local').lane();
    // The daemon is killed the moment the first page has arrived: the mirror stores it, then finds the link dead.
    let pages = 0;
    const dropping = {
      request: async (method: 'audit.list', params: object) => {
        const result = await lane.peer.request(method, params);
        if (method === 'audit.list' && ++pages === 1) process.kill(lane.hello.pid, 'SIGKILL');
        return result;
      },
    } as unknown as RpcPeer<HostProtocol>;
    await expect(mirrorHost(core.cache, 'local', lane.hello, dropping, { pageSize: 2 })).rejects.toThrow(/closed/);
    expect(pages).toBe(1);
    expect(cached()).toEqual(chain.slice(0, 2));
    expect(core.cache.mirrorState('local')?.cursor).toEqual({ seq: 2, hash: chain[1]!.hash });

    // Connects again (the bridge starts a new daemon) and goes on from the cursor.
    const resumed = await core.mirrorHost('local', { pageSize: 2 });
    const now = await hostChain();
    expect(resumed).toMatchObject({ auditAdded: now.length - 2, auditHead: now.length, alarm: null });
    expect(cached()).toEqual(now);
    expect(core.cache.auditCount('local')).toBe(now.length);
    expect(core.cache.mirrorState('local')?.cursor).toEqual({ seq: now.length, hash: now.at(-1)!.hash });
  });

  it('names the first record a host rewrote, stops there until accepted, then archives the old records and goes on', async () => {
    await core.connectHost('local');
    await work(5);
    const seen = await core.mirrorHost('local');
    const k = seen.auditHead - 2;
    const before = cached();

    core.host('local').disconnect();
    await stopDaemon(stateDir);
    rewriteRecord(join(stateDir, 'host.db'), k, (row) => ({ ...row, actor: 'user:someone-else' }));

    const rewritten = await core.mirrorHost('local');
    expect(rewritten.auditAdded).toBe(0);
    expect(rewritten.alarm).toContain(`audit record ${k} of local is not the one mirrored here`);
    expect(core.cache.mirrorState('local')).toMatchObject({ alarm: rewritten.alarm, firstBadSeq: k });
    expect(core.host('local').view().auditAlarm).toEqual(expect.stringContaining('rewritten'));
    expect(cached()).toEqual(before);

    // New work on the suspect host is not taken in; the alarm stays.
    await work(1);
    expect(await core.mirrorHost('local')).toMatchObject({ auditAdded: 0, alarm: rewritten.alarm });
    expect(await core.verifyAudit('local', false)).toMatchObject({ alarm: expect.stringContaining('rewritten') });

    // The human looked into it and accepts the chain as it is now.
    expect((await core.verifyAudit('local', true)).alarm).toBeNull();
    expect(core.cache.archivedRecords('local').map(({ seq, hash, actor }) => ({ seq, hash, actor }))).toEqual(
      before.slice(k - 1).map(({ seq, hash, actor }) => ({ seq, hash, actor })),
    );
    expect(core.cache.mirrorState('local')).toMatchObject({ cursor: { seq: k - 1, hash: before[k - 2]!.hash }, alarm: null, firstBadSeq: null });

    const after = await core.mirrorHost('local');
    const now = await hostChain();
    expect(after).toMatchObject({ auditAdded: now.length - (k - 1), auditHead: now.length, alarm: null });
    expect(cached()).toEqual(now);
    expect(cached()[k - 1]!.actor).toBe('user:someone-else');
    expect(core.host('local').view().auditAlarm).toBeNull();
  });

  it('a host answering as another agent-host (its database replaced) is an alarm; accepting archives the whole chain', async () => {
    await core.connectHost('local');
    await work(2);
    const seen = await core.mirrorHost('local');
    core.host('local').disconnect();
    await stopDaemon(stateDir);
    for (const file of ['host.db', 'host.db-wal', 'host.db-shm']) rmSync(join(stateDir, file), { force: true });

    const replaced = await core.mirrorHost('local');
    expect(replaced).toMatchObject({ auditAdded: 0, alarm: expect.stringContaining('answers as another host') });
    expect(core.cache.auditCount('local')).toBe(seen.auditHead);

    expect((await core.verifyAudit('local', true)).alarm).toBeNull();
    expect(core.cache.auditCount('local')).toBe(0);
    expect(core.cache.archivedRecords('local')).toHaveLength(seen.auditHead);
    await work(1);
    const after = await core.mirrorHost('local');
    expect(after).toMatchObject({ alarm: null, auditAdded: (await hostChain()).length });
    expect(cached()).toEqual(await hostChain());
  });

  /** Counts the requests of one mirror, by method. */
  async function countingPeer(): Promise<{ peer: RpcPeer<HostProtocol>; asked: Map<string, number> }> {
    const lane = await core.host('local').lane();
    const asked = new Map<string, number>();
    const peer = {
      request: (method: 'run.record', params: object) => {
        asked.set(method, (asked.get(method) ?? 0) + 1);
        return lane.peer.request(method, params as { run: string });
      },
    } as unknown as RpcPeer<HostProtocol>;
    return { peer, asked };
  }

  it('mirrors run records: a new run, then only what may still change; a run event mirrors the desktop', async () => {
    const plan: Plan = {
      title: 'Add a greeting',
      summary: 'Say hello.',
      analysis: { touchpoints: ['README.md'], dependencies: [], risks: [] },
      phases: [
        {
          id: 'build',
          title: 'Build',
          estimate_hours: 1,
          steps: [{ id: 'greet', title: 'Greet', description: 'Add the greeting.', role: 'implementer', depends_on: [], checkpoint: false }],
        },
      ],
      impact: { components: ['docs'], breaking_changes: [], testing: [] },
      rollback: ['Revert.'],
      questions: [],
    };
    model = await fakeAnthropic(
      routedTurns({
        planner: [{ content: [{ type: 'tool_use', name: 'submit_plan', input: plan as unknown as Record<string, unknown> }] }, { content: [{ type: 'text', text: 'Planned.' }] }],
      }),
    );
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'agent.env'), `ANTHROPIC_BASE_URL=${model.url}\nANTHROPIC_API_KEY=${FAKE_API_KEY}\n`, { mode: 0o600 });
    repo = await makeRepo();
    expect((await world.cli(['repo', 'add', 'local', 'app', repo.dir])).code).toBe(0);
    const started = await world.cli(['run', 'start', 'local', '--runbook', 'add-feature', '--repo', 'app', '--param', 'feature=a greeting']);
    expect(started.stderr).toBe('');
    const id = started.stdout.trim().slice('local/'.length);
    await waitForInbox(stateDir, (item) => item.kind === 'plan' && item.run === id);

    expect(await core.mirrorHost('local')).toMatchObject({ runsUpdated: 1, runsSkipped: null });
    const [cached] = core.cache.runRecords('local');
    expect(cached).toMatchObject({ host: 'local', run: id, state: 'awaiting-approval' });
    expect(cached!.record.plans.map((version) => version.version)).toEqual([1]);
    expect(cached!.record.runbookText).toContain('add-feature');

    // A run still under way is fetched again each time: its decisions can change without its updatedAt.
    const open = await countingPeer();
    await mirrorHost(core.cache, 'local', (await core.host('local').lane()).hello, open.peer);
    expect(open.asked.get('run.record')).toBe(1);

    const desktop = FleetCore.open({ home: world.home, clientName: 'context-cache-desktop', autoConnect: true });
    try {
      // The mirror after connecting comes first; the cancel's run events bring the next ones.
      const outcomes: MirrorOutcome[] = [];
      await new Promise<void>((resolve, reject) =>
        desktop.onMirrored((outcome) => {
          outcomes.push(outcome);
          if (outcomes.length === 1) {
            void world.cli(['run', 'cancel', `local/${id}`]).then((cancel) => cancel.code === 0 || reject(new Error(cancel.stderr)), reject);
          }
          if (desktop.cache.runVersion('local', id)?.state === 'cancelled') resolve();
        }),
      );
      expect(outcomes.length).toBeGreaterThanOrEqual(2);
      expect(outcomes.every((outcome) => !('error' in outcome))).toBe(true);
    } finally {
      desktop.close();
    }
    expect(core.cache.runRecords('local')).toMatchObject([{ run: id, state: 'cancelled' }]);

    // Settled and unchanged: not asked for again.
    const done = await countingPeer();
    expect(await mirrorHost(core.cache, 'local', (await core.host('local').lane()).hello, done.peer)).toMatchObject({ runsUpdated: 0 });
    expect(done.asked.get('run.record')).toBeUndefined();
    expect(done.asked.get('run.list')).toBe(1);
  });
});
