import { describe, expect, it } from 'vitest';
import type { AuditRecordInfo } from '../../../common/protocol/governance';
import {
  activeFilters,
  decidingRule,
  EMPTY_DRAFT,
  formatAuditTime,
  localDateTimeValue,
  parseAuditFilter,
  shortHash,
  withNewer,
  withOlder,
} from './auditView';

const record = (seq: number, extra: Partial<AuditRecordInfo> = {}): AuditRecordInfo => ({
  seq,
  time: 1_700_000_000_000 + seq,
  actor: 'user:ana',
  action: 'session.start',
  target: `session:s${seq}`,
  reason: null,
  outcome: 'ok',
  data: {},
  prevHash: '0'.repeat(64),
  hash: `${seq}`.padStart(64, 'a'),
  ...extra,
});

describe('parseAuditFilter', () => {
  it('turns an empty form into no filter at all', () => {
    expect(parseAuditFilter(EMPTY_DRAFT)).toEqual({ query: {} });
  });

  it('takes an exact action, a family, an agent and an outcome, trimmed', () => {
    expect(parseAuditFilter({ agent: ' a1 ', action: 'egress.*', outcome: 'denied', since: '' })).toEqual({
      query: { agent: 'a1', action: 'egress.*', outcome: 'denied' },
    });
    expect(parseAuditFilter({ ...EMPTY_DRAFT, action: 'command.run' })).toEqual({ query: { action: 'command.run' } });
  });

  it('refuses what the host would refuse, saying what is expected, field by field', () => {
    const parsed = parseAuditFilter({ agent: 'Bad Name', action: 'egress*', outcome: '', since: 'yesterday' });
    expect(parsed).toEqual({
      problems: {
        agent: expect.stringContaining('lower-case letters'),
        action: 'an action like tool.call, or a family like egress.*',
        since: expect.stringContaining('date and time'),
      },
    });
    for (const action of ['Egress.request', '*', 'egress.*.*', 'tool call', 'a'.repeat(65)]) {
      expect(parseAuditFilter({ ...EMPTY_DRAFT, action })).toHaveProperty('problems.action');
    }
  });

  it('reads since as local time, to the minute or the second', () => {
    expect(parseAuditFilter({ ...EMPTY_DRAFT, since: '2025-05-01T14:30' })).toEqual({ query: { since: new Date(2025, 4, 1, 14, 30).getTime() } });
    expect(parseAuditFilter({ ...EMPTY_DRAFT, since: '2025-05-01T14:30:15' })).toEqual({ query: { since: new Date(2025, 4, 1, 14, 30, 15).getTime() } });
    expect(parseAuditFilter({ ...EMPTY_DRAFT, since: '2025-13-01T14:30' })).toHaveProperty('problems.since');
  });

  it('counts the filters a query applies', () => {
    expect(activeFilters({})).toBe(0);
    expect(activeFilters({ agent: 'a1', since: 0 })).toBe(2);
  });
});

describe('time and hashes', () => {
  it('shows exact local time, and a datetime-local value that reads back to the same minute', () => {
    const at = new Date(2025, 0, 2, 3, 4, 5).getTime();
    expect(formatAuditTime(at)).toBe('2025-01-02 03:04:05');
    expect(localDateTimeValue(at)).toBe('2025-01-02T03:04');
    expect(parseAuditFilter({ ...EMPTY_DRAFT, since: localDateTimeValue(at) })).toEqual({ query: { since: at - 5_000 } });
  });

  it('shortens a hash to its first 12 characters', () => {
    expect(shortHash('0123456789abcdef')).toBe('0123456789ab');
  });
});

describe('decidingRule', () => {
  it("reads the rule the host wrote in a record's data", () => {
    expect(decidingRule(record(1, { outcome: 'denied', data: { rule: 'commands.deny git push *' } }))).toBe('commands.deny git push *');
  });

  it('is null when the record names no rule (refusals that only say why)', () => {
    expect(decidingRule(record(1, { outcome: 'denied', data: { authenticated: true } }))).toBeNull();
    expect(decidingRule(record(1, { data: { rule: 42 } }))).toBeNull();
    expect(decidingRule(record(1, { data: { rule: ' ' } }))).toBeNull();
  });
});

describe('paging newest first', () => {
  const seqs = (records: AuditRecordInfo[]) => records.map((shown) => shown.seq);

  it('puts older pages below and newer ones on top, each record once', () => {
    const first = withOlder([], [record(8), record(9), record(10)]);
    expect(seqs(first)).toEqual([10, 9, 8]);
    const older = withOlder(first, [record(6), record(7), record(8)]);
    expect(seqs(older)).toEqual([10, 9, 8, 7, 6]);
    expect(seqs(withNewer(older, [record(10), record(11), record(12)]))).toEqual([12, 11, 10, 9, 8, 7, 6]);
    expect(seqs(withNewer([], [record(1)]))).toEqual([1]);
  });
});
