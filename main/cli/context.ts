import type { FleetCore } from '../core/fleetCore';
import type { CliPrompter } from './prompter';

/** What every command gets: the shared core, the terminal's prompter, and how to print. */
export interface CliContext {
  core: FleetCore;
  prompter: CliPrompter;
  json: boolean;
}

/** A mistake in how the command was called (exit 2, with usage). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns, like `docker ps`. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

/** "HOST/SESSION" (the session may be given by id or by name). */
export function parseSessionRef(ref: string | undefined): { host: string; session: string } {
  const slash = ref?.indexOf('/') ?? -1;
  if (!ref || slash <= 0 || slash === ref.length - 1) throw new UsageError(`expected HOST/SESSION, got "${ref ?? ''}"`);
  return { host: ref.slice(0, slash), session: ref.slice(slash + 1) };
}
