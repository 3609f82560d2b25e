import { createHash } from 'node:crypto';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import {
  describeRunbookProblem,
  RunbookCheckpoints,
  RunbookFrontMatter,
  RunbookLimits,
  RunbookName,
  RunbookParameter,
  RunbookPullRequest,
  RunbookRole,
  type RunbookInfo,
  type RunbookProblem,
  type RunbookSource,
} from '../../common/protocol/runbook';
import { errorMessage, WireError, WireErrorCode } from '../../common/wire/errors';
import { policyLayerFromObject } from '../policy/layer';
import { formatPolicyPath, PolicyError, type PolicyPath } from '../policy/policyError';
import { yamlKeyName, yamlKeyOffset } from '../policy/yamlPositions';

/** A runbook file, validated: what lists show, the front matter with its defaults, the guidance, the exact text. */
export interface Runbook {
  info: RunbookInfo;
  frontMatter: RunbookFrontMatter;
  /** The Markdown after the front matter (the guidance, and the Learnings section when there is one). */
  body: string;
  text: string;
  /** sha256 (hex) of the text as UTF-8: the runbook version a run records. */
  hash: string;
}

/**
 * A runbook that cannot be used: every problem found, each naming the file, the line and the key. A WireError
 * (RunbookInvalid) whose data is RunbookErrorData; `runbook` is the name the file declares, when it can be read.
 */
export class RunbookError extends WireError {
  constructor(
    readonly problems: RunbookProblem[],
    readonly runbook?: string,
  ) {
    super(WireErrorCode.RunbookInvalid, problems.map(describeRunbookProblem).join('\n'), { problems });
  }
}

const FENCE = '---';
export const LEARNINGS_HEADING = '## Learnings';

/** Parses and validates a runbook's text; throws a RunbookError listing every problem. `file` names it in problems. */
export function parseRunbook(text: string, file: string, source: RunbookSource): Runbook {
  const hash = createHash('sha256').update(text, 'utf8').digest('hex');
  const split = splitFrontMatter(text, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(split.yaml, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const root = doc.contents as YamlNode | null;
  // YAML line 1 is the file's line 2; an error at the very end of the YAML belongs to the closing fence.
  const lineAt = (offset: number) => Math.min(lineCounter.linePos(offset).line + 1, split.closingLine);
  const at = (path: PolicyPath, message: string): RunbookProblem => ({ file, line: lineAt(yamlKeyOffset(root, path) ?? 0), key: formatPolicyPath(path), message });

  if (doc.errors.length > 0) {
    throw new RunbookError(
      doc.errors.map((error) => {
        const path = pathAt(root, error.pos[0]);
        const message = error.code === 'DUPLICATE_KEY' ? 'is given twice' : `is not valid YAML: ${error.message}`;
        return { ...at(path, message), line: lineAt(error.pos[0]) };
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    throw new RunbookError([{ file, line: 2, key: '', message: `has front matter that cannot be read: ${errorMessage(error)}` }]);
  }
  if (!isRecord(raw)) {
    throw new RunbookError([{ file, line: 2, key: '', message: 'has front matter that is not a mapping (name: …, version: …, lines)' }]);
  }
  const declared = RunbookName.safeParse(raw.name);
  const name = declared.success ? declared.data : undefined;

  const parsed = RunbookFrontMatter.safeParse(raw);
  const sections = bodySections(split.body, split.closingLine + 1);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.flatMap((issue) => issueProblems(issue, raw, root, at))),
    ...rolePolicyProblems(raw, file, at),
    ...sections.problems.map((problem) => ({ file, key: '', ...problem })),
  ];
  if (!sections.hasGuidance) {
    problems.push({ file, line: split.closingLine, key: '', message: 'has no guidance: write what the agents should know in Markdown after the front matter' });
  }
  if (!parsed.success || problems.length > 0) throw new RunbookError(problems.sort((a, b) => a.line - b.line), name);

  const frontMatter = parsed.data;
  const info: RunbookInfo = {
    name: frontMatter.name,
    version: frontMatter.version,
    description: frontMatter.description,
    source,
    file,
    hash,
    parameters: frontMatter.parameters,
    roles: Object.fromEntries(Object.entries(frontMatter.roles).map(([role, { profile, model }]) => [role, { profile, model: model ?? null }])),
    checkpoints: frontMatter.checkpoints,
    limits: frontMatter.limits,
    on_agent_crash: frontMatter.on_agent_crash,
    learnings: sections.learnings,
    overrides: false,
  };
  return { info, frontMatter, body: split.body, text, hash };
}

/** The YAML between a first line `---` and the next line `---`, and the Markdown after it, with LF line ends. */
function splitFrontMatter(text: string, file: string): { yaml: string; body: string; closingLine: number } {
  // YAML keeps a CR before LF in plain scalars; normalising keeps every line where it was.
  const lines = text.replace(/^\uFEFF/, '').replaceAll('\r\n', '\n').split('\n');
  const isFence = (line: string) => line.trimEnd() === FENCE;
  if (!isFence(lines[0]!)) {
    throw new RunbookError([
      { file, line: 1, key: '', message: 'does not start with front matter: the first line must be ---, then the YAML (name, version, …), then a line ---' },
    ]);
  }
  const closing = lines.findIndex((line, index) => index > 0 && isFence(line));
  if (closing < 0) throw new RunbookError([{ file, line: 1, key: '', message: 'has front matter that never ends: no line --- after the first one' }]);
  return { yaml: lines.slice(1, closing).join('\n'), body: lines.slice(closing + 1).join('\n'), closingLine: closing + 1 };
}

function issueProblems(
  issue: z.core.$ZodIssue,
  raw: Record<string, unknown>,
  root: YamlNode | null,
  at: (path: PolicyPath, message: string) => RunbookProblem,
): RunbookProblem[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => at([...issue.path, key], `is not a known key (known: ${knownKeys(issue.path).join(', ')})`));
    case 'invalid_key':
      return [at(issue.path, `is not allowed: ${issue.issues[0]?.message ?? issue.message}`)];
    case 'invalid_type':
      return [at(issue.path, typeProblem(issue.expected, valueAt(raw, issue.path), scalarSource(root, issue.path)))];
    default:
      return [at(issue.path, issue.message)];
  }
}

/** The keys a strict object of the front matter accepts, for "not a known key" messages. */
function knownKeys(path: PolicyPath): string[] {
  const shapes: Record<string, object> = {
    parameters: RunbookParameter.shape,
    roles: RunbookRole.shape,
    checkpoints: RunbookCheckpoints.shape,
    limits: RunbookLimits.shape,
    pull_request: RunbookPullRequest.shape,
  };
  return Object.keys(path.length === 0 ? RunbookFrontMatter.shape : (shapes[String(path[0])] ?? {}));
}

const EXPECTED: Record<string, string> = {
  string: 'must be text',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
  record: 'must be a mapping (key: value lines)',
  object: 'must be a mapping (key: value lines)',
  array: 'must be a list',
};

function typeProblem(expected: string, value: unknown, source: string | undefined): string {
  if (value === undefined) return 'is required';
  const wanted = EXPECTED[expected] ?? `must be ${expected}`;
  // YAML reads 1.0 as a number and yes as text: the fix for the first is quoting, which people rarely guess.
  if (expected === 'string' && source !== undefined && (typeof value === 'number' || typeof value === 'boolean')) {
    return `${wanted}: YAML reads ${source} as a ${typeof value}; quote it: "${source}"`;
  }
  return `${wanted} (it is ${describeValue(value)})`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  return `${typeof value} ${String(value)}`;
}

/** Each role's policy is a narrowing layer: validated as one, its problems placed at their keys in the runbook. */
function rolePolicyProblems(raw: Record<string, unknown>, file: string, at: (path: PolicyPath, message: string) => RunbookProblem): RunbookProblem[] {
  if (!isRecord(raw.roles)) return [];
  const problems: RunbookProblem[] = [];
  for (const [role, value] of Object.entries(raw.roles)) {
    if (!isRecord(value) || !isRecord(value.policy)) continue; // a policy that is no mapping is the schema's problem
    try {
      policyLayerFromObject(value.policy, `${file} roles.${role}.policy`);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      for (const problem of error.problems) problems.push(at(['roles', role, 'policy', ...parsePolicyPath(problem.path)], problem.message));
    }
  }
  return problems;
}

/** The segments of a path formatPolicyPath wrote: `egress.allow[1]`, `mcp.servers["odd.name"].tools`. */
function parsePolicyPath(formatted: string): PropertyKey[] {
  const segments: PropertyKey[] = [];
  for (const match of formatted.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else segments.push(match[3]!);
  }
  return segments;
}

/**
 * The guidance and the `## Learnings` section (up to the next `## ` heading or the end), headings inside fenced
 * code blocks ignored. Lines of problems are the file's: the body starts on bodyLine.
 */
function bodySections(body: string, bodyLine: number): { learnings: string; hasGuidance: boolean; problems: { line: number; message: string }[] } {
  const lines = body.split('\n');
  const headings = sectionHeadings(lines);
  const learningsAt = headings.filter((index) => lines[index]!.trimEnd() === LEARNINGS_HEADING);
  const problems = learningsAt.slice(1).map((index) => ({
    line: bodyLine + index,
    message: `has a second ${LEARNINGS_HEADING} section (the first is on line ${bodyLine + learningsAt[0]!}); merge them into one`,
  }));
  const start = learningsAt[0];
  if (start === undefined) return { learnings: '', hasGuidance: body.trim() !== '', problems };
  const end = headings.find((index) => index > start) ?? lines.length;
  const learnings = lines.slice(start + 1, end).join('\n').trim();
  const guidance = [...lines.slice(0, start), ...lines.slice(end)].join('\n').trim();
  return { learnings, hasGuidance: guidance !== '', problems };
}

/** The indexes of the lines that start a `## ` section, those inside fenced code blocks left out. */
export function sectionHeadings(lines: readonly string[]): number[] {
  const headings: number[] = [];
  let fence: string | undefined;
  lines.forEach((line, index) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && fence === undefined) fence = marker;
    else if (marker && fence !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    else if (fence === undefined && line.startsWith('## ')) headings.push(index);
  });
  return headings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(raw: unknown, path: PolicyPath): unknown {
  let value = raw;
  for (const segment of path) value = isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
  return value;
}

/** The node at a path in the YAML, or undefined where the path leaves it. */
function nodeAt(root: YamlNode | null, path: PolicyPath): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (isMap(node)) node = node.items.find((pair) => yamlKeyName(pair.key) === String(segment))?.value;
    else if (isSeq(node) && typeof segment === 'number') node = node.items[segment];
    else return undefined;
  }
  return node;
}

/** How a scalar is written in the file (`1.0`, not the number 1). */
function scalarSource(root: YamlNode | null, path: PolicyPath): string | undefined {
  const node = nodeAt(root, path);
  return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
}


/** The key path of the deepest key or item whose text holds offset: where a YAML error is. */
function pathAt(root: YamlNode | null, offset: number): PropertyKey[] {
  const path: PropertyKey[] = [];
  let node: unknown = root;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const start = (item.key as YamlNode | null)?.range?.[0];
        const end = (item.value as YamlNode | null)?.range?.[2] ?? (item.key as YamlNode | null)?.range?.[2];
        return start !== undefined && end !== undefined && start <= offset && offset <= end;
      });
      if (!pair) return path;
      path.push(yamlKeyName(pair.key));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const range = (item as YamlNode | null)?.range;
        return range != null && range[0] <= offset && offset <= range[2];
      });
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else return path;
  }
}

