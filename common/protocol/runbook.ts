import { z } from 'zod';
import { ProfileName } from './agents';

/**
 * Runbooks: Markdown files with YAML front matter — the built-ins shipped in the top-level `runbooks/` folder, a
 * repo's own in `.flightdeck/runbooks/` (they override built-ins by name). This is the front matter's schema (strict:
 * a typo is an error, never ignored) and the wire shape of a runbook in lists. agent-host/runbooks/ parses the files;
 * docs/orchestration.md documents the format. Messages of checks read after the key they are about
 * (`limits.parallel: must be at most 16`).
 */

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const RunbookName = z.string().regex(NAME, 'runbook names are 1 to 64 lower-case letters, digits and -, starting with a letter or digit');
export type RunbookName = z.infer<typeof RunbookName>;

export const RoleName = z.string().regex(NAME, 'role names are 1 to 64 lower-case letters, digits and -, starting with a letter or digit');
export type RoleName = z.infer<typeof RoleName>;

export const ParameterName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,63}$/, 'parameter names are 1 to 64 lower-case letters, digits and _, not starting with a digit');

export const ParameterType = z.enum(['string', 'integer', 'number', 'boolean', 'enum'], {
  error: 'must be one of string, integer, number, boolean, enum',
});
export type ParameterType = z.infer<typeof ParameterType>;

/** A parameter's value once resolved (run parameters arrive as strings and are converted to the declared type). */
export type ParameterValue = string | number | boolean;

/** How a parameter's value typed as text (`--param K=V`, a form field) reads: `1e3` and ` 2 ` yes, `0x10` and `` no. */
export const INTEGER_TEXT = /^[+-]?\d+$/;
export const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** The longest value a run's parameter may have. */
export const MAX_PARAMETER_VALUE_LENGTH = 16 * 1024;

/** Whether a value has the declared type; undefined when it does, else why not (reads after the key). */
export function parameterValueProblem(type: ParameterType, value: ParameterValue, values: readonly string[] = []): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be a whole number';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'enum':
      return typeof value === 'string' && values.includes(value) ? undefined : `must be one of ${values.join(', ')}`;
  }
}

export const RunbookParameter = z
  .strictObject({
    type: ParameterType,
    description: z.string().max(2048, 'must be at most 2048 characters').optional(),
    required: z.boolean().default(false),
    default: z.union([z.string().max(16 * 1024, 'must be at most 16384 characters'), z.number(), z.boolean()]).optional(),
    /** The allowed values of an enum parameter (and only of one). */
    values: z
      .array(z.string().min(1, 'may not be empty').max(256, 'must be at most 256 characters'))
      .min(1, 'needs at least one value')
      .max(100, 'may list at most 100 values')
      .optional(),
  })
  .superRefine((parameter, ctx) => {
    if (parameter.type === 'enum' && parameter.values === undefined) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'is required for an enum parameter (the allowed values)' });
    }
    if (parameter.type !== 'enum' && parameter.values !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `applies only to an enum parameter, not to a ${parameter.type}` });
    }
    if (parameter.default === undefined) return;
    // A required parameter is always given, so a default would never apply: one of the two is a mistake.
    if (parameter.required) ctx.addIssue({ code: 'custom', path: ['default'], message: 'makes no sense on a required parameter' });
    const problem = parameterValueProblem(parameter.type, parameter.default, parameter.values);
    if (problem) ctx.addIssue({ code: 'custom', path: ['default'], message: `${problem}, as the parameter's type says` });
  });
export type RunbookParameter = z.output<typeof RunbookParameter>;

const MAX_INSTRUCTIONS_BYTES = 64 * 1024;

export const RunbookRole = z.strictObject({
  /** The agent profile the role's agents run with (a host's profiles: builtin, claude-code, codex, its own). */
  profile: ProfileName.default('builtin'),
  model: z.string().min(1, 'may not be empty').max(256, 'must be at most 256 characters').optional(),
  /** What every agent of the role is told, before its task. */
  instructions: z
    .string()
    .min(1, 'may not be empty')
    .refine((text) => new TextEncoder().encode(text).length <= MAX_INSTRUCTIONS_BYTES, 'must be at most 64 KiB'),
  /**
   * A narrowing layer with the keys of the host's policy.yaml; validated by the host (agent-host/policy), which also
   * refuses, at agent start, anything that widens the policies above it.
   */
  policy: z.record(z.string(), z.unknown()).optional(),
});
export type RunbookRole = z.output<typeof RunbookRole>;

export const RunbookCheckpoints = z.strictObject({
  /** Nothing runs before a human approves the plan: not a choice a runbook makes. */
  after_plan: z.literal(true, { error: 'is always true: nothing runs before a person approves the plan' }).default(true),
  after_each_phase: z.boolean().default(true),
  before_merge: z.boolean().default(false),
});
export type RunbookCheckpoints = z.output<typeof RunbookCheckpoints>;

export const RunbookLimits = z.strictObject({
  /** Steps of one run whose agents run at once (the host has its own limit too). */
  parallel: z.number().int().min(1, 'must be at least 1').max(16, 'must be at most 16').default(2),
});
export type RunbookLimits = z.output<typeof RunbookLimits>;

/**
 * What happens after the run is done: its integration branch pushed to origin and a pull request opened on the forge
 * (forges.yaml of the host); review feedback on it reworked on the same branch without asking (rework) or when a
 * person approves its inbox item.
 */
export const RunbookPullRequest = z
  .strictObject({
    open: z.boolean().default(false),
    /** The branch it goes into; default: the repo's branch on the host. */
    base: z
      .string()
      .max(256, 'must be at most 256 characters')
      .regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\/$)(?!.*\.lock$)[A-Za-z0-9._/-]+$/, 'must be a branch name (main, release/2.x)')
      .optional(),
    draft: z.boolean().default(false),
    rework: z.boolean().default(false),
  })
  .refine((pr) => pr.open || !pr.rework, { path: ['rework'], message: 'needs open: true (the feedback comes from the pull request)' });
export type RunbookPullRequest = z.output<typeof RunbookPullRequest>;

/** What the coordinator does with a step whose agent died (a crash, a daemon restart under it). */
export const AgentCrashPolicy = z.enum(['restart', 'escalate'], { error: 'must be restart or escalate' });
export type AgentCrashPolicy = z.infer<typeof AgentCrashPolicy>;

const isObject = (value: unknown) => typeof value === 'object' && value !== null;

export const RunbookFrontMatter = z.strictObject({
  name: RunbookName,
  version: z.string().min(1, 'may not be empty').max(64, 'must be at most 64 characters'),
  description: z.string().min(1, 'may not be empty').max(2048, 'must be at most 2048 characters'),
  parameters: z.record(ParameterName, RunbookParameter).default({}),
  roles: z
    .record(RoleName, RunbookRole)
    // Checked even when a role has problems of its own (`when`), so one pass names them all.
    .refine((roles) => Object.hasOwn(roles, 'planner'), {
      message: 'must have a planner role (it analyses the repo and submits the plan)',
      when: (payload) => isObject(payload.value),
    })
    .refine((roles) => Object.keys(roles).some((role) => role !== 'planner'), {
      message: 'needs at least one role besides planner to carry out the plan',
      when: (payload) => isObject(payload.value),
    }),
  checkpoints: RunbookCheckpoints.prefault({}),
  limits: RunbookLimits.prefault({}),
  on_agent_crash: AgentCrashPolicy.default('escalate'),
  pull_request: RunbookPullRequest.prefault({}),
});
export type RunbookFrontMatter = z.output<typeof RunbookFrontMatter>;

export const RunbookSource = z.enum(['built-in', 'repo']);
export type RunbookSource = z.infer<typeof RunbookSource>;

/** A runbook as lists show it (`flightdeck runbook list HOST`); the exact file is named by its hash. */
export const RunbookInfo = z.object({
  name: RunbookName,
  version: z.string(),
  description: z.string(),
  source: RunbookSource,
  /** `runbooks/fix-failing-tests.md` (built-in) or `.flightdeck/runbooks/x.md` (repo). */
  file: z.string(),
  /** sha256 (hex) of the file's exact bytes: what a run records as the runbook's version. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  parameters: z.record(ParameterName, RunbookParameter),
  roles: z.record(RoleName, z.object({ profile: z.string(), model: z.string().nullable() })),
  checkpoints: RunbookCheckpoints,
  limits: RunbookLimits,
  on_agent_crash: AgentCrashPolicy,
  /** The text of the `## Learnings` section, trimmed; '' when there is none. */
  learnings: z.string(),
  /** A repo's runbook that replaces the built-in of the same name. */
  overrides: z.boolean(),
});
export type RunbookInfo = z.infer<typeof RunbookInfo>;

/** One problem of a runbook file: its line in the file, and the key path (`roles.planner.instructions`; '' for the file as a whole). */
export const RunbookProblem = z.object({
  file: z.string(),
  line: z.number().int().positive(),
  key: z.string(),
  message: z.string(),
});
export type RunbookProblem = z.infer<typeof RunbookProblem>;

/** The data of a RunbookInvalid (1500) wire error about files: every problem found, not just the first. */
export const RunbookErrorData = z.object({ problems: z.array(RunbookProblem) });
export type RunbookErrorData = z.infer<typeof RunbookErrorData>;

/** The data of a RunbookInvalid (1500) wire error about the parameters a run was given. */
export const ParameterErrorData = z.object({
  runbook: RunbookName,
  problems: z.array(z.object({ parameter: z.string(), message: z.string() })),
});
export type ParameterErrorData = z.infer<typeof ParameterErrorData>;

/** A host's runbooks for a repo (or the built-ins alone): the valid ones, and every problem of the others. */
export const RunbookList = z.object({ runbooks: z.array(RunbookInfo), problems: z.array(RunbookProblem) });
export type RunbookList = z.infer<typeof RunbookList>;

/** `runbooks/x.md:12: roles.planner.instructions: may not be empty` — how a problem reads to a person. */
export function describeRunbookProblem(problem: RunbookProblem): string {
  return `${problem.file}:${problem.line}: ${problem.key === '' ? '' : `${problem.key}: `}${problem.message}`;
}
