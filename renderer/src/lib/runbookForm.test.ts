import { describe, expect, it } from 'vitest';
import { RunbookParameter } from '../../../common/protocol/runbook';
import { WireError, WireErrorCode } from '../../../common/wire/errors';
import { describeType, fieldKind, formValues, runbookRefusal, runParams } from './runbookForm';

const declared = (parameters: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(parameters).map(([name, parameter]) => [name, RunbookParameter.parse(parameter)]));

const PARAMETERS = declared({
  feature: { type: 'string', required: true, description: 'What to build' },
  area: { type: 'string' },
  test_command: { type: 'string', default: 'npm test' },
  attempts: { type: 'integer', default: 3 },
  budget: { type: 'number' },
  dry_run: { type: 'boolean', default: true },
  strict: { type: 'boolean' },
  mode: { type: 'enum', values: ['fix-code', 'fix-tests'], required: true },
});

describe('the start-a-run form of a runbook', () => {
  it('gives each declared type its control and says what it takes', () => {
    expect(Object.values(PARAMETERS).map(fieldKind)).toEqual(['text', 'text', 'text', 'number', 'number', 'checkbox', 'checkbox', 'select']);
    expect(describeType(PARAMETERS.attempts!)).toBe('whole number');
    expect(describeType(PARAMETERS.mode!)).toBe('one of fix-code, fix-tests');
  });

  it('starts from the defaults and keeps what was typed for a parameter of the same name and kind', () => {
    const initial = formValues(PARAMETERS);
    expect(initial).toEqual({ feature: '', area: '', test_command: 'npm test', attempts: '3', budget: '', dry_run: true, strict: false, mode: '' });
    // Another host's version of the runbook: attempts became a boolean, feature is still text.
    const other = declared({ feature: { type: 'string', required: true }, attempts: { type: 'boolean' } });
    expect(formValues(other, { ...initial, feature: 'dark mode', attempts: '5' })).toEqual({ feature: 'dark mode', attempts: false });
  });

  it('refuses missing required parameters and values of the wrong type, naming each parameter', () => {
    const values = { ...formValues(PARAMETERS), attempts: '2.5', budget: '1e', test_command: '  ' };
    const checked = runParams(PARAMETERS, values, new Set(['budget']));
    expect(checked).toEqual({
      ok: false,
      errors: {
        feature: 'feature is required',
        attempts: 'attempts must be a whole number (given: 2.5)',
        budget: 'budget must be a number',
        mode: 'mode is required',
      },
    });
    const enumWrong = runParams(declared({ mode: { type: 'enum', values: ['a', 'b'] } }), { mode: 'c' });
    expect(enumWrong).toEqual({ ok: false, errors: { mode: 'mode must be one of a, b (given: c)' } });
  });

  it('sends strings the host converts; empty optional fields are left out so the host applies their defaults', () => {
    const values = { ...formValues(PARAMETERS), feature: '  Dark mode\nwith a toggle ', attempts: '+7', budget: '.5', mode: 'fix-tests', test_command: '' };
    expect(runParams(PARAMETERS, values)).toEqual({
      ok: true,
      params: { feature: 'Dark mode\nwith a toggle', attempts: '+7', budget: '.5', dry_run: 'true', strict: 'false', mode: 'fix-tests' },
    });
  });

  it("maps the host's RunbookInvalid answer onto the fields it names, and the rest beside them", () => {
    const parameters = new WireError(WireErrorCode.RunbookInvalid, 'parameter feature is required', {
      runbook: 'add-feature',
      problems: [
        { parameter: 'feature', message: 'is required (string)' },
        { parameter: 'colour', message: 'is not a parameter of runbook add-feature' },
      ],
    });
    expect(runbookRefusal(parameters, ['feature', 'area'])).toEqual({
      fields: { feature: 'feature is required (string)' },
      problems: [],
      other: ['colour is not a parameter of runbook add-feature'],
    });
    const problem = { file: '.flightdeck/runbooks/x.md', line: 3, key: 'roles', message: 'must have a planner role' };
    // The shape of a bridge error: a plain object with the wire code and data.
    expect(runbookRefusal({ code: 1500, message: 'bad', data: { problems: [problem] } }, [])).toEqual({ fields: {}, problems: [problem], other: [] });
    expect(runbookRefusal(new WireError(WireErrorCode.RunbookNotFound, 'no runbook'), [])).toBeUndefined();
    expect(runbookRefusal(new WireError(WireErrorCode.RunbookInvalid, 'odd', { something: 'else' }), [])).toBeUndefined();
    expect(runbookRefusal(new Error('offline'), [])).toBeUndefined();
  });
});
