import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { describeZodIssues } from '../../common/zodIssues';

/**
 * A host config file (profiles.yaml, prices.yaml): `empty` when it does not exist, else parsed and validated. A file
 * that does not parse or validate is an error naming the file and the field — never skipped silently.
 */
export function readYamlConfig<T extends z.ZodType>(file: string, schema: T, what: string, empty: z.output<T>): z.output<T> {
  if (!existsSync(file)) return empty;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalid(file, what, error instanceof Error ? error.message : String(error));
  }
  if (raw === null || raw === undefined) return empty;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalid(file, what, describeZodIssues(parsed.error));
  return parsed.data;
}

function invalid(file: string, what: string, problem: string): WireError {
  return new WireError(WireErrorCode.ConfigInvalid, `${file} is not a valid ${what}: ${problem}`, { file });
}
