import {
  INTEGER_TEXT,
  MAX_PARAMETER_VALUE_LENGTH,
  NUMBER_TEXT,
  parameterValueProblem,
  type ParameterErrorData,
  type ParameterValue,
  type RunbookParameter,
} from '../../common/protocol/runbook';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { Runbook } from './parseRunbook';

/**
 * The parameters of a run (`--param K=V`, so strings) checked against the runbook's declarations and converted to
 * their types, defaults filled in. Throws one RunbookInvalid WireError naming every bad parameter (ParameterErrorData).
 */
export function resolveParams(runbook: Runbook, given: Record<string, string>): Record<string, ParameterValue> {
  const declared = runbook.frontMatter.parameters;
  const problems: ParameterErrorData['problems'] = [];
  const known = Object.keys(declared);
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name)) {
      const hint = known.length === 0 ? 'it takes no parameters' : `its parameters: ${known.join(', ')}`;
      problems.push({ parameter: name, message: `is not a parameter of runbook ${runbook.info.name} (${hint})` });
    }
  }
  const resolved: Record<string, ParameterValue> = {};
  for (const [name, parameter] of Object.entries(declared)) {
    const text = Object.hasOwn(given, name) ? given[name] : undefined;
    if (text === undefined) {
      if (parameter.default !== undefined) resolved[name] = parameter.default;
      else if (parameter.required) problems.push({ parameter: name, message: `is required${describe(parameter)}` });
      continue;
    }
    const value = convert(parameter, text);
    if (typeof value === 'object') problems.push({ parameter: name, message: `${value.problem} (given: ${JSON.stringify(truncate(text))})` });
    else resolved[name] = value;
  }
  if (problems.length > 0) {
    const lines = problems.map((problem) => `parameter ${problem.parameter} ${problem.message}`);
    const data: ParameterErrorData = { runbook: runbook.info.name, problems };
    throw new WireError(WireErrorCode.RunbookInvalid, lines.join('\n'), data);
  }
  return resolved;
}

/** The typed value of a given string, or why it is not one. */
function convert(parameter: RunbookParameter, text: string): ParameterValue | { problem: string } {
  if (text.length > MAX_PARAMETER_VALUE_LENGTH) return { problem: `must be at most ${MAX_PARAMETER_VALUE_LENGTH} characters` };
  let value: ParameterValue = text;
  if (parameter.type === 'integer') value = INTEGER_TEXT.test(text.trim()) ? Number(text) : NaN;
  else if (parameter.type === 'number') value = NUMBER_TEXT.test(text.trim()) ? Number(text) : NaN;
  else if (parameter.type === 'boolean') value = text === 'true' ? true : text === 'false' ? false : text;
  const problem = parameterValueProblem(parameter.type, value, parameter.values);
  return problem === undefined ? value : { problem };
}

/** ` (a whole number: how many …)` — what a missing parameter is, so the person can supply it. */
function describe(parameter: RunbookParameter): string {
  const kind = parameter.type === 'enum' ? `one of ${parameter.values?.join(', ')}` : parameter.type;
  return parameter.description ? ` (${kind}: ${parameter.description})` : ` (${kind})`;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
