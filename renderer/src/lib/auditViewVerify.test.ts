import { describe, expect, it } from 'vitest';
import { describeVerify, type VerifyResult } from './auditViewVerify';

const HEAD = { seq: 42, hash: 'ab'.repeat(32) };
const base: VerifyResult = { host: 'vm', ok: true, records: 42, head: HEAD, firstBadSeq: null, problem: null, anchor: null, anchorHeld: null, alarm: null };

describe('describeVerify', () => {
  it('an intact chain checked the first time: its head becomes the anchor', () => {
    expect(describeVerify(base)).toEqual({
      ok: true,
      title: 'Chain intact: 42 records checked',
      facts: ['head #42 abababababab', expect.stringContaining('first check from this app')],
    });
  });

  it('an intact chain that still holds what this app saw', () => {
    const summary = describeVerify({ ...base, anchor: { seq: 40, hash: 'cd'.repeat(32) }, anchorHeld: true });
    expect(summary.ok).toBe(true);
    expect(summary.facts[1]).toBe('it still holds record #40 (cdcdcdcdcdcd), the newest this app had seen');
  });

  it('a broken chain names the first bad record and the problem', () => {
    const summary = describeVerify({ ...base, ok: false, records: 7, firstBadSeq: 7, problem: 'record 7 was modified (hash mismatch)' });
    expect(summary).toEqual({ ok: false, title: 'The chain is broken at record #7', facts: ['record 7 was modified (hash mismatch)', '7 records checked'] });
  });

  // As the host answers with an anchor it lost: not ok, the anchor's record named (agent-host/audit/auditReader.ts).
  const rewritten: VerifyResult = {
    ...base,
    ok: false,
    anchor: { seq: 40, hash: 'cd'.repeat(32) },
    anchorHeld: false,
    firstBadSeq: 40,
    problem: 'record 40 is not the one seen before (hash efefefefefef… instead of cdcdcdcdcdcd…): the chain was rewritten',
    alarm: 'record 40 is not the one seen before (hash efefefefefef… instead of cdcdcdcdcdcd…): the chain was rewritten',
  };

  it('a chain that walks clean but lost the record this app saw is not trusted: history was rewritten', () => {
    expect(describeVerify(rewritten)).toEqual({
      ok: false,
      title: 'History rewritten: record #40 this app saw is no longer in the chain',
      facts: [rewritten.problem, '42 records checked', 'head #42 abababababab'],
    });
  });

  it('the same, accepted: the host chain is the anchor now, and what this app held is archived', () => {
    const summary = describeVerify({ ...rewritten, alarm: null }, true);
    expect(summary.ok).toBe(true);
    expect(summary.title).toBe("Accepted the host's chain as it is now: 42 records checked");
    expect(summary.facts[1]).toContain("the host no longer holds are in the app's archive");
  });

  it('an intact chain under an alarm that stands is not trusted either', () => {
    const summary = describeVerify({ ...base, anchor: { seq: 40, hash: 'cd'.repeat(32) }, anchorHeld: true, alarm: 'vm answers as another host' });
    expect(summary).toMatchObject({ ok: false, facts: ['vm answers as another host', '42 records checked', 'head #42 abababababab'] });
  });

  it('an empty chain has no head and one record is singular', () => {
    expect(describeVerify({ ...base, records: 0, head: null }).facts[0]).toBe('no records yet');
    expect(describeVerify({ ...base, records: 1 }).title).toBe('Chain intact: 1 record checked');
  });
});
