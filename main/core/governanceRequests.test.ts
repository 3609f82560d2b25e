import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHAIN_START, chainRecordHash, type ChainRecord } from '../../common/audit/chain';
import { useAwayHostCore } from './testing/awayHostCore';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A host's chain as the host hashes it: every third record a denied tool call of agent a1. */
function chain(count: number): ChainRecord[] {
  const out: ChainRecord[] = [];
  let prev = CHAIN_START;
  for (let seq = 1; seq <= count; seq++) {
    const denied = seq % 3 === 0;
    const body = {
      seq,
      time: 1_700_000_000_000 + seq,
      actor: denied ? 'agent:a1' : 'person:ana',
      action: denied ? 'tool.call' : 'session.start',
      target: `session:s${seq}`,
      reason: denied ? 'commands.deny: rm -rf' : null,
      outcome: denied ? 'denied' : 'ok',
      data: {},
      prevHash: prev.hash,
    };
    const record = { ...body, hash: chainRecordHash(body, sha256) };
    out.push(record);
    prev = { seq, hash: record.hash };
  }
  return out;
}

describe('audit across the fleet (AppApi)', () => {
  const { core } = useAwayHostCore();

  const client = () => core().openClient({ notify: () => undefined, output: () => undefined });

  it("answers for a host that is away from the mirror, filtered and paged like the host's own list, marked stale", async () => {
    core().cache.beginMirror('vm', 'host-1');
    core().cache.appendAudit('vm', CHAIN_START, chain(10));
    core().cache.markMirrored('vm', 5_000);
    const attempts = core().host('vm').view().attempt;

    const denied = await client().request('audit.list', { host: 'vm', outcome: 'denied', limit: 2 });
    expect(denied.records.map((record) => record.seq)).toEqual([6, 9]);
    expect(denied).toMatchObject({ more: true, stale: { mirroredAt: 5_000, error: expect.any(String) }, alarm: null });
    const older = await client().request('audit.list', { host: 'vm', agent: 'a1', before: 6 });
    expect(older.records.map((record) => record.seq)).toEqual([3]);
    expect(older.more).toBe(false);
    const family = await client().request('audit.list', { host: 'vm', action: 'session.*', after: 7 });
    expect(family.records.map((record) => record.seq)).toEqual([8, 10]);
    expect(core().host('vm').view().attempt).toBe(attempts);
  });

  it('carries the mirror alarm, and says why when nothing is mirrored', async () => {
    await expect(client().request('audit.list', { host: 'vm' })).rejects.toThrow();
    core().cache.beginMirror('vm', 'host-1');
    core().cache.appendAudit('vm', CHAIN_START, chain(3));
    core().cache.markMirrored('vm', 5_000);
    core().cache.raiseAlarm('vm', 'vm rewrote its audit: record 2 differs', 2);
    await expect(client().request('audit.list', { host: 'vm' })).resolves.toMatchObject({ alarm: 'vm rewrote its audit: record 2 differs' });
    await expect(client().request('audit.list', { host: 'vm', action: 'Not An Action' })).rejects.toThrow(/invalid params for audit.list/);
  });
});
