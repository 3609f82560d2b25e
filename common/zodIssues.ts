import type { z } from 'zod';

/** "path.to.field: what is wrong; …" — the one wording every boundary uses for a value that failed its schema. */
export function describeZodIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
