import { UsageError } from './context';

/**
 * The pure pieces of the run, plan and inbox commands: what their arguments mean and how their values read in a
 * terminal.
 */

/** `--param K=V`, repeatable: split on the first `=` (a value may hold more); a key given twice is a mistake. */
export function parseParams(params: readonly string[] | undefined): Record<string, string> {
  const parsed: Record<string, string> = {};
  for (const param of params ?? []) {
    const equals = param.indexOf('=');
    if (equals < 0) throw new UsageError(`--param ${param}: expected KEY=VALUE`);
    const key = param.slice(0, equals);
    if (key === '') throw new UsageError(`--param ${param}: the parameter name is missing before "="`);
    if (Object.hasOwn(parsed, key)) throw new UsageError(`--param ${key} is given twice`);
    parsed[key] = param.slice(equals + 1);
  }
  return parsed;
}

/** "HOST/RUN", "HOST/ITEM": the host's name and the id on it. */
export function parseRef(ref: string | undefined, what: 'RUN' | 'ITEM'): { host: string; id: string } {
  const slash = ref?.indexOf('/') ?? -1;
  if (!ref || slash <= 0 || slash === ref.length - 1) throw new UsageError(`expected HOST/${what}, got "${ref ?? ''}"`);
  return { host: ref.slice(0, slash), id: ref.slice(slash + 1) };
}

/** How long something has waited, in its largest whole unit: 42s, 5m, 2h, 3d. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** Text for a table cell: one line, at most `max` characters (an ellipsis says it was cut). */
export function cell(text: string | null | undefined, max = 70): string {
  if (!text) return '-';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Labelled lines (`state    running`), labels padded to line up; a multi-line value is indented under its first line. */
export function formatFields(fields: readonly [label: string, value: string][]): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  const indent = ' '.repeat(width + 2);
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${value.split('\n').join(`\n${indent}`)}`).join('\n');
}
