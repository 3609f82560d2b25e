import {
  INTEGER_TEXT,
  MAX_PARAMETER_VALUE_LENGTH,
  NUMBER_TEXT,
  ParameterErrorData,
  parameterValueProblem,
  RunbookErrorData,
  type RunbookParameter,
  type RunbookProblem,
} from '../../../common/protocol/runbook';
import { WireErrorCode } from '../../../common/wire/errors';

/**
 * The "Start a run" form of a runbook, generated from its declared parameters: which control each parameter gets,
 * the values it starts with, and the check before sending. Values travel as strings (`--param K=V`); the host
 * converts and checks them again, and its answer maps back onto the fields (runbookRefusal).
 */

export type FieldKind = 'text' | 'number' | 'checkbox' | 'select';

/** A checkbox holds a boolean; every other control holds the text typed or chosen. */
export type FormValues = Record<string, string | boolean>;

/** Field errors by parameter name. */
export type FieldErrors = Record<string, string>;


export function fieldKind(parameter: RunbookParameter): FieldKind {
  switch (parameter.type) {
    case 'string':
      return 'text';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'checkbox';
    case 'enum':
      return 'select';
  }
}

/** "whole number", "one of a, b": the type as the form explains it. */
export function describeType(parameter: RunbookParameter): string {
  switch (parameter.type) {
    case 'string':
      return 'text';
    case 'integer':
      return 'whole number';
    case 'number':
      return 'number';
    case 'boolean':
      return 'yes / no';
    case 'enum':
      return `one of ${(parameter.values ?? []).join(', ')}`;
  }
}

function initialValue(parameter: RunbookParameter): string | boolean {
  if (parameter.type === 'boolean') return parameter.default === true;
  return parameter.default === undefined ? '' : String(parameter.default);
}

/** Defaults filled in; what the person already typed for a parameter of the same name and control stays. */
export function formValues(parameters: Record<string, RunbookParameter>, previous: FormValues = {}): FormValues {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, parameter]) => {
      const kept = previous[name];
      const fits = kept !== undefined && typeof kept === (fieldKind(parameter) === 'checkbox' ? 'boolean' : 'string');
      return [name, fits ? kept : initialValue(parameter)];
    }),
  );
}

/** Why a parameter's value cannot be sent (a sentence that names it), or its text; undefined: leave it out. */
function checkField(name: string, parameter: RunbookParameter, value: string | boolean | undefined, badNumber: boolean): { error: string } | { text: string } | undefined {
  if (parameter.type === 'boolean') return { text: value === true ? 'true' : 'false' };
  const text = typeof value === 'string' ? value.trim() : '';
  if (badNumber) return { error: `${name} must be a ${parameter.type === 'integer' ? 'whole number' : 'number'}` };
  if (text === '') {
    if (parameter.required) return { error: `${name} is required` };
    // Left empty: the host applies the declared default, or the runbook goes without.
    return undefined;
  }
  if (text.length > MAX_PARAMETER_VALUE_LENGTH) return { error: `${name} must be at most ${MAX_PARAMETER_VALUE_LENGTH} characters` };
  let typed: string | number = text;
  if (parameter.type === 'integer') typed = INTEGER_TEXT.test(text) ? Number(text) : NaN;
  else if (parameter.type === 'number') typed = NUMBER_TEXT.test(text) ? Number(text) : NaN;
  const problem = parameterValueProblem(parameter.type, typed, parameter.values);
  return problem === undefined ? { text } : { error: `${name} ${problem} (given: ${text.length > 40 ? `${text.slice(0, 37)}...` : text})` };
}

/**
 * The run's parameters as the host takes them, or an error for every field that is wrong. `badNumbers`: number
 * fields whose text the browser could not read as a number (it reports them as empty).
 */
export function runParams(
  parameters: Record<string, RunbookParameter>,
  values: FormValues,
  badNumbers: ReadonlySet<string> = new Set(),
): { ok: true; params: Record<string, string> } | { ok: false; errors: FieldErrors } {
  const params: Record<string, string> = {};
  const errors: FieldErrors = {};
  for (const [name, parameter] of Object.entries(parameters)) {
    const checked = checkField(name, parameter, values[name], badNumbers.has(name));
    if (checked === undefined) continue;
    if ('error' in checked) errors[name] = checked.error;
    else params[name] = checked.text;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, params };
}

/** A host's refusal of a run, by what it is about: fields of the form, problems of the runbook's file, or neither. */
export interface RunbookRefusal {
  fields: FieldErrors;
  problems: RunbookProblem[];
  /** What the host said that names no field of the form (a parameter this form does not have). */
  other: string[];
}

/** RunbookInvalid (1500) answers mapped onto the form; undefined for any other error (shown as it came). */
export function runbookRefusal(error: unknown, fieldNames: readonly string[]): RunbookRefusal | undefined {
  const { code, data } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; data?: unknown };
  if (code !== WireErrorCode.RunbookInvalid) return undefined;
  const parameters = ParameterErrorData.safeParse(data);
  if (parameters.success) {
    const refusal: RunbookRefusal = { fields: {}, problems: [], other: [] };
    for (const { parameter, message } of parameters.data.problems) {
      const sentence = `${parameter} ${message}`;
      if (fieldNames.includes(parameter)) refusal.fields[parameter] = sentence;
      else refusal.other.push(sentence);
    }
    return refusal;
  }
  const file = RunbookErrorData.safeParse(data);
  return file.success ? { fields: {}, problems: file.data.problems, other: [] } : undefined;
}
