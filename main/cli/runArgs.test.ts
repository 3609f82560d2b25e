import { describe, expect, it } from 'vitest';
import { UsageError } from './context';
import { parsePlanText } from './planEditor';
import { cell, formatAge, formatFields, parseParams, parseRef } from './runArgs';

describe('parseParams', () => {
  it('splits each --param on its first "=", so values may hold more', () => {
    expect(parseParams(['from=jsonwebtoken@9', 'to=', 'query=a=b&c=d'])).toEqual({ from: 'jsonwebtoken@9', to: '', query: 'a=b&c=d' });
    expect(parseParams(undefined)).toEqual({});
  });

  it('refuses a param without "=", without a name, or given twice, as usage errors that name it', () => {
    expect(() => parseParams(['target'])).toThrow(new UsageError('--param target: expected KEY=VALUE'));
    expect(() => parseParams(['=oauth'])).toThrow(/--param =oauth: the parameter name is missing/);
    expect(() => parseParams(['to=a', 'to=b'])).toThrow(new UsageError('--param to is given twice'));
    expect(() => parseParams(['target'])).toThrow(UsageError);
  });
});

describe('parseRef', () => {
  it('splits HOST/ID at the first slash', () => {
    expect(parseRef('vm-2/r-1a2b3c', 'RUN')).toEqual({ host: 'vm-2', id: 'r-1a2b3c' });
    expect(parseRef('vm/pl-r-1a2b3c-2', 'ITEM')).toEqual({ host: 'vm', id: 'pl-r-1a2b3c-2' });
  });

  it('says what it expected when a part is missing', () => {
    for (const ref of [undefined, 'vm', '/r-1a2b3c', 'vm/']) expect(() => parseRef(ref, 'RUN')).toThrow(UsageError);
    expect(() => parseRef('vm', 'ITEM')).toThrow('expected HOST/ITEM, got "vm"');
  });
});

describe('formatAge', () => {
  it('reads in the largest whole unit', () => {
    const ages = [0, 42_400, 59_999, 60_000, 5 * 60_000 + 59_000, 2 * 3_600_000, 47 * 3_600_000, 3 * 86_400_000 + 5];
    expect(ages.map(formatAge)).toEqual(['0s', '42s', '59s', '1m', '5m', '2h', '47h', '3d']);
  });

  it('never goes negative when clocks disagree', () => {
    expect(formatAge(-5_000)).toBe('0s');
  });
});

describe('cell and formatFields', () => {
  it('puts text on one line and cuts it with an ellipsis', () => {
    expect(cell('Migrate auth\n  to OAuth')).toBe('Migrate auth to OAuth');
    expect(cell('x'.repeat(80))).toBe(`${'x'.repeat(69)}…`);
    expect(cell(null)).toBe('-');
  });

  it('lines labels up and indents continuation lines under the value', () => {
    expect(formatFields([['run', 'vm/r-1a2b3c'], ['state', 'blocked: merge conflict\nin src/auth.ts']])).toBe(
      'run    vm/r-1a2b3c\nstate  blocked: merge conflict\n       in src/auth.ts',
    );
  });
});

describe('parsePlanText', () => {
  const plan = {
    title: 'Fix the failing login tests',
    summary: 'Two tests fail since the clock change.',
    analysis: { touchpoints: [], dependencies: [], risks: [] },
    phases: [
      {
        id: 'p1',
        title: 'Fix',
        estimate_hours: 1,
        steps: [{ id: 's1', title: 'Fix the clock mock', description: '', role: 'implementer', depends_on: [], checkpoint: true }],
      },
    ],
    impact: { components: [], breaking_changes: [], testing: [] },
    rollback: [],
    questions: [],
  };

  it('reads a plan', () => {
    expect(parsePlanText(JSON.stringify(plan), 'plan.json')).toEqual({ ...plan, constraints: [] });
  });

  it('names the file, line and column of broken JSON', () => {
    const text = JSON.stringify(plan, null, 2).replace('"summary"', 'summary');
    expect(() => parsePlanText(text, '/tmp/flightdeck-plan-x/r-1a2b3c-v2.json')).toThrow(/^\/tmp\/flightdeck-plan-x\/r-1a2b3c-v2\.json: not valid JSON at line 3, column 3: /);
  });

  it('names the fields a plan gets wrong', () => {
    const broken = { ...plan, phases: [{ ...plan.phases[0], estimate_hours: -1 }] };
    expect(() => parsePlanText(JSON.stringify(broken), 'plan.json')).toThrow(/^plan\.json: not a valid plan: phases\.0\.estimate_hours: /);
  });
});
