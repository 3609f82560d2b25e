import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import type { PolicyProblem } from '../../common/protocol/policy';
import { errorMessage } from '../../common/wire/errors';
import { formatPolicyPath, PolicyError, type PolicyPath } from './policyError';
import { knownKeys, PolicyFile } from './schema';
import { yamlKeyOffset } from './yamlPositions';

/**
 * One layer of policy, validated: the host's file (or the closed defaults when there is none), a repo's
 * `.flightdeck/policy.yaml`, a runbook role's narrowing. A layer knows the line of each of its keys and list items,
 * so every rule can say where it came from and every problem where it is.
 */
export interface PolicyLayer {
  /** Names the layer in sources and messages: `repo demo .flightdeck/policy.yaml`. */
  label: string;
  /** false: there is no file; the defaults apply. */
  present: boolean;
  policy: PolicyFile;
  /** The line of a key or list item (`['egress', 'allow', 1]`), when known. */
  lineOf(path: PolicyPath): number | undefined;
  /** The host layer's state dir: always hidden from agents, with agent.env in it. */
  stateDir?: string;
}

export const HOST_POLICY_FILE = 'policy.yaml';

/** Parses and validates a policy file's text; throws a PolicyError with every problem, each with its line. */
export function parsePolicy(text: string, label: string): PolicyLayer {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  if (doc.errors.length > 0) {
    throw new PolicyError(
      doc.errors.map((error) => ({ label, line: lineAt(error.pos[0]), path: '', message: `is not valid YAML: ${error.message}` })),
    );
  }
  const lineOf = (path: PolicyPath) => lineAt(yamlKeyOffset(doc.contents as YamlNode | null, path));
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new PolicyError([{ label, line: 1, path: '', message: `cannot be read: ${errorMessage(error)}` }]);
  }
  return validated(raw ?? {}, label, lineOf);
}

/** A layer given as a value (a runbook role's narrowing); its sources have no line. */
export function policyLayerFromObject(value: unknown, label: string): PolicyLayer {
  return validated(value ?? {}, label, () => undefined);
}

/** The host layer when `<state-dir>/policy.yaml` does not exist: the closed defaults. */
export function defaultHostLayer(stateDir?: string): PolicyLayer {
  return { label: 'defaults', present: false, policy: {}, lineOf: () => undefined, ...(stateDir ? { stateDir: resolve(stateDir) } : {}) };
}

/**
 * The host's policy from `<state-dir>/policy.yaml`, or the defaults when there is none. The file must be a regular
 * file (not a symbolic link) of this user that neither group nor others can write — whoever can write it decides what
 * agents may do — else it is refused (fail closed), as is a file that does not parse or validate.
 */
export function loadHostPolicy(stateDir: string): PolicyLayer {
  const dir = resolve(stateDir);
  const file = join(dir, HOST_POLICY_FILE);
  const label = `host policy ${file}`;
  const refuse = (message: string) => new PolicyError([{ label, path: '', message }]);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return defaultHostLayer(dir);
    if (code === 'ELOOP') throw refuse('is a symbolic link; refusing it (make it a regular file)');
    throw refuse(`cannot be read (${errorMessage(error)})`);
  }
  try {
    const stats = fstatSync(fd);
    const uid = process.getuid?.();
    if (!stats.isFile()) throw refuse('is not a regular file');
    if (uid !== undefined && stats.uid !== uid) throw refuse(`is owned by uid ${stats.uid}, not by this user (uid ${uid})`);
    if ((stats.mode & 0o022) !== 0) throw refuse(`is writable by group or others (mode ${(stats.mode & 0o777).toString(8)}); chmod go-w it`);
    return { ...parsePolicy(readFileSync(fd, 'utf8'), label), stateDir: dir };
  } finally {
    closeSync(fd);
  }
}

function validated(raw: unknown, label: string, lineOf: (path: PolicyPath) => number | undefined): PolicyLayer {
  const parsed = PolicyFile.safeParse(raw);
  if (!parsed.success) throw new PolicyError(parsed.error.issues.flatMap((issue) => problemsOf(issue, label, lineOf)));
  return { label, present: true, policy: parsed.data, lineOf };
}

function problemsOf(issue: z.core.$ZodIssue, label: string, lineOf: (path: PolicyPath) => number | undefined): PolicyProblem[] {
  const at = (path: PolicyPath, message: string): PolicyProblem => {
    const line = lineOf(path);
    return { label, ...(line === undefined ? {} : { line }), path: formatPolicyPath(path), message };
  };
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(issue.path);
    const hint = known ? ` (known: ${known.join(', ')})` : '';
    return issue.keys.map((key) => at([...issue.path, key], `is not a known key${hint}`));
  }
  return [at(issue.path, issue.code === 'custom' ? issue.message : `is invalid: ${issue.message}`)];
}

