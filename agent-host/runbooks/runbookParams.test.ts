import { describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { parseRunbook, type Runbook } from './parseRunbook';
import { resolveParams } from './runbookParams';

function runbookWith(parameters: string[]): Runbook {
  const text = [
    '---',
    'name: demo',
    'version: "1"',
    'description: d',
    ...(parameters.length > 0 ? ['parameters:', ...parameters.map((line) => `  ${line}`)] : []),
    'roles:',
    '  planner: { instructions: Plan. }',
    '  implementer: { instructions: Do. }',
    '---',
    'Guidance.',
  ].join('\n');
  return parseRunbook(text, 'demo.md', 'built-in');
}

const RUNBOOK = runbookWith([
  'from: { type: string, required: true, description: what is replaced }',
  'scope: { type: string, default: "." }',
  'parallel: { type: integer, default: 2 }',
  'ratio: { type: number }',
  'compat: { type: boolean, default: true }',
  'level: { type: enum, values: [low, high] }',
]);

function failure(given: Record<string, string>, runbook = RUNBOOK): WireError {
  try {
    resolveParams(runbook, given);
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError, the parameters resolved');
}

describe('resolveParams', () => {
  it('fills defaults and leaves out optional parameters without one', () => {
    expect(resolveParams(RUNBOOK, { from: 'moment' })).toEqual({ from: 'moment', scope: '.', parallel: 2, compat: true });
  });

  it('converts each value to its declared type', () => {
    expect(resolveParams(RUNBOOK, { from: 'a', scope: 'src', parallel: '-4', ratio: '0.5', compat: 'false', level: 'high' })).toEqual({
      from: 'a',
      scope: 'src',
      parallel: -4,
      ratio: 0.5,
      compat: false,
      level: 'high',
    });
    expect(resolveParams(RUNBOOK, { from: 'a', ratio: '1e3' }).ratio).toBe(1000);
  });

  it('names an unknown parameter and the known ones', () => {
    const error = failure({ from: 'a', form: 'b' });
    expect(error.code).toBe(WireErrorCode.RunbookInvalid);
    expect(error.message).toBe('parameter form is not a parameter of runbook demo (its parameters: from, scope, parallel, ratio, compat, level)');
    expect(error.data).toEqual({ runbook: 'demo', problems: [{ parameter: 'form', message: expect.stringContaining('is not a parameter') }] });
    expect(failure({ x: '1' }, runbookWith([])).message).toBe('parameter x is not a parameter of runbook demo (it takes no parameters)');
  });

  it('names a missing required parameter with what it is', () => {
    expect(failure({}).message).toBe('parameter from is required (string: what is replaced)');
  });

  it('refuses values of the wrong type, naming each parameter', () => {
    const error = failure({ from: 'a', parallel: '2.5', ratio: 'half', compat: 'yes', level: 'medium' });
    expect(error.message.split('\n')).toEqual([
      'parameter parallel must be a whole number (given: "2.5")',
      'parameter ratio must be a number (given: "half")',
      'parameter compat must be true or false (given: "yes")',
      'parameter level must be one of low, high (given: "medium")',
    ]);
    expect((error.data as { problems: unknown[] }).problems).toHaveLength(4);
  });

  it('refuses empty and oversized numbers and overlong values', () => {
    expect(failure({ from: 'a', parallel: '' }).message).toBe('parameter parallel must be a whole number (given: "")');
    expect(failure({ from: 'a', parallel: '99999999999999999999' }).message).toContain('must be a whole number');
    expect(failure({ from: 'x'.repeat(16 * 1024 + 1) }).message).toMatch(/^parameter from must be at most 16384 characters \(given: "x{77}\.\.\."\)$/);
  });
});
