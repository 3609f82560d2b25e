import { z } from 'zod';
import { EgressMode, McpServerName, SandboxMode } from '../../common/protocol/policy';
import { compileCommandPattern } from './commandPattern';
import { parseEgressEntry } from './egressRules';
import { absoluteEntryProblem, relativeEntryProblem } from './pathRules';
import { toolPatternProblem } from './toolRules';

/**
 * The policy file's schema: the same for the host's `<state-dir>/policy.yaml`, a repo's `.flightdeck/policy.yaml`
 * and a runbook role's narrowing. Every object is strict (an unknown key — a typo — is an error, never ignored).
 * What a layer may say relative to the layers above it is effective.ts's business.
 */

const MAX_ENTRIES = 1000;

/** A string the given check accepts; the issue quotes the value so the message names what is wrong. */
function checked(problem: (value: string) => string | undefined) {
  return z
    .string()
    .min(1)
    .max(4096)
    .superRefine((value, ctx) => {
      const reason = problem(value);
      if (reason) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} ${reason}` });
    });
}

const list = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_ENTRIES);

const AbsoluteGlob = checked(absoluteEntryProblem);
const RelativeGlob = checked(relativeEntryProblem);
const CommandPatternText = checked((value) => {
  const compiled = compileCommandPattern(value);
  return typeof compiled === 'string' ? compiled : undefined;
});
const EgressEntryText = checked((value) => {
  const entry = parseEgressEntry(value);
  return typeof entry === 'string' ? entry : undefined;
});
const ToolPattern = checked(toolPatternProblem);
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and _');
const HttpUrl = checked((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'must be an http:// or https:// URL';
  } catch {
    return 'is not a URL';
  }
});

const ToolRules = z.strictObject({ allow: list(ToolPattern).optional(), deny: list(ToolPattern).optional() });

export const McpServerEntry = z
  .strictObject({
    command: z.string().min(1).max(4096).optional(),
    args: z.array(z.string().max(65536)).max(256).optional(),
    env: z.record(EnvName, z.string().max(65536)).optional(),
    url: HttpUrl.optional(),
    tools: ToolRules.optional(),
  })
  .superRefine((server, ctx) => {
    if (server.command !== undefined && server.url !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'and command exclude each other: a server is a command (stdio) or a url' });
    }
    if (server.url !== undefined && (server.args !== undefined || server.env !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [server.args ? 'args' : 'env'], message: 'applies to a command server, not to a url' });
    }
  });
export type McpServerEntry = z.infer<typeof McpServerEntry>;

export const PolicyFile = z.strictObject({
  sandbox: SandboxMode.optional(),
  paths: z.strictObject({ write: list(AbsoluteGlob).optional(), deny_read: list(AbsoluteGlob).optional() }).optional(),
  commands: z.strictObject({ deny: list(CommandPatternText).optional(), ask: list(CommandPatternText).optional() }).optional(),
  egress: z.strictObject({ mode: EgressMode.optional(), allow: list(EgressEntryText).optional() }).optional(),
  mcp: z.strictObject({ servers: z.record(McpServerName, McpServerEntry).optional() }).optional(),
  tools: z.strictObject({ deny: list(ToolPattern).optional() }).optional(),
  protected_paths: list(RelativeGlob).optional(),
  budget: z
    .strictObject({ tokens: z.number().int().positive().optional(), cost_usd: z.number().positive().finite().optional() })
    .optional(),
});
export type PolicyFile = z.infer<typeof PolicyFile>;

/** The keys an object of the schema accepts at a path (for "unknown key" messages), or undefined. */
export function knownKeys(path: readonly PropertyKey[]): string[] | undefined {
  let schema: z.ZodType = PolicyFile;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)] ?? z.never();
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return undefined;
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
}
