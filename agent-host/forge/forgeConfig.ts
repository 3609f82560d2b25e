/**
 * `<state-dir>/forges.yaml`: the forges on which this host may push a run's branch and open its pull request. The
 * host's admin writes it; without it every remote is a plain git remote (the branch is pushed, no pull request).
 *
 *   forges:
 *     - host: github.example.com     # the host of a repo's remote URL, matched exactly (case-insensitive, no port):
 *                                    #   https://HOST/owner/repo(.git), git@HOST:owner/repo(.git), ssh://git@HOST/owner/repo(.git)
 *       kind: github                 # github: github.com and GitHub Enterprise Server (the only kind so far)
 *       api_url: https://github.example.com/api/v3   # optional: https://api.github.com for github.com,
 *                                    #   https://HOST/api/v3 (GitHub Enterprise Server) for any other host
 *       token_file: github-token     # the file holding the token: absolute, or relative to the state dir
 *   poll_seconds: 60                 # optional: how often open pull requests are asked for new feedback (at least 1)
 *
 * forges.yaml and every token file must be regular files of the daemon's user that group and others cannot write
 * (whoever can write them decides where the host sends code and with whose rights); a token file must also be
 * unreadable by group and others, like agent.env. A token is read only to talk to its forge: never logged, put in an
 * error or audited.
 */
import { resolve } from 'node:path';
import { LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { errorMessage, WireError, WireErrorCode } from '../../common/wire/errors';
import { IdentityFileError, readOwnFile, type OwnFile } from '../identity/ownFile';
import { formatPolicyPath, type PolicyPath } from '../policy/policyError';
import { yamlKeyOffset } from '../policy/yamlPositions';

export const FORGES_FILE = 'forges.yaml';
export const DEFAULT_POLL_SECONDS = 60;

const GITHUB_COM = 'github.com';
const GITHUB_COM_API = 'https://api.github.com';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;
// GitHub's owner and repository names; `.` and `..` alone are paths, not names.
const NAME = /^(?!\.\.?$)[A-Za-z0-9._-]+$/;

export interface ForgeConfig {
  /** Lower case, as matched against a remote URL's host. */
  host: string;
  kind: 'github';
  /** The REST API's base URL, without a trailing slash. */
  apiUrl: string;
  /** Absolute. */
  tokenFile: string;
}

export interface ForgesConfig {
  /** forges.yaml's path, for messages. */
  file: string;
  /** false: there is no forges.yaml. */
  present: boolean;
  forges: ForgeConfig[];
  /** How often the feedback on open pull requests is polled. */
  pollSeconds: number;
}

/** Where a repo lives on a forge: what a provider needs to open its pull requests. */
export interface ForgeTarget {
  forge: ForgeConfig;
  owner: string;
  repo: string;
}

/** A forge target, or why the remote is a plain git remote (said to the person in the run). */
export type ForgeMatch = ForgeTarget | { forge: null; reason: string };

export interface ForgeConfigProblem {
  file: string;
  line?: number;
  /** `forges[0].api_url`; '' for the file as a whole. */
  key: string;
  message: string;
}

/** forges.yaml or a token file that cannot be used: every problem, each with its file, line and key. */
export class ForgeConfigError extends WireError {
  constructor(readonly problems: ForgeConfigProblem[]) {
    super(WireErrorCode.ConfigInvalid, problems.map(describeProblem).join('\n'), { problems });
  }
}

function describeProblem({ file, line, key, message }: ForgeConfigProblem): string {
  return `${file}${line === undefined ? '' : `:${line}`}: ${key === '' ? '' : `${key}: `}${message}`;
}

const ApiUrl = z.string().superRefine((value, ctx) => {
  const problem = apiUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} ${problem}` });
});

const ForgeEntry = z.strictObject({
  host: z.string().regex(HOST_NAME, 'must be a host name as a remote URL has it (github.example.com): no scheme, user, port or path'),
  kind: z.enum(['github']),
  api_url: ApiUrl.optional(),
  token_file: z.string().min(1),
});

const ForgesFile = z.strictObject({
  forges: z.array(ForgeEntry).max(100),
  // Each poll is 4 to 5 requests per open pull request; GitHub allows a token 5000 an hour.
  poll_seconds: z.number().int().min(1).max(86_400).default(DEFAULT_POLL_SECONDS),
});

const KNOWN_KEYS = { file: Object.keys(ForgesFile.shape), forge: Object.keys(ForgeEntry.shape) };

function apiUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not hold credentials: the token goes in token_file';
  if (url.search !== '' || url.hash !== '') return 'must have no query or fragment';
  if (url.protocol === 'https:') return undefined;
  // The token travels with every request: in clear text only to this machine (a local gateway, a test).
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return 'must be an https:// URL (http:// only to this machine)';
}

/** The forges of `<state-dir>/forges.yaml`; none when there is no file. Throws ForgeConfigError. */
export function loadForges(stateDir: string): ForgesConfig {
  const dir = resolve(stateDir);
  const file = resolve(dir, FORGES_FILE);
  const text = readTrustedFile(file)?.text;
  if (text === undefined) return { file, present: false, forges: [], pollSeconds: DEFAULT_POLL_SECONDS };
  return { file, present: true, ...parseForges(text, file, dir) };
}

/** Parses and validates forges.yaml's text; token_file paths are resolved against stateDir. */
export function parseForges(text: string, file: string, stateDir: string): { forges: ForgeConfig[]; pollSeconds: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const at = (path: PolicyPath, message: string): ForgeConfigProblem => {
    const line = lineAt(yamlKeyOffset(doc.contents as YamlNode | null, path));
    return { file, ...(line === undefined ? {} : { line }), key: formatPolicyPath(path), message };
  };
  if (doc.errors.length > 0) {
    throw new ForgeConfigError(doc.errors.map((error) => ({ file, line: lineAt(error.pos[0]), key: '', message: `is not valid YAML: ${error.message}` })));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ForgeConfigError([{ file, line: 1, key: '', message: `cannot be read: ${errorMessage(error)}` }]);
  }
  const parsed = ForgesFile.safeParse(raw ?? { forges: [] });
  if (!parsed.success) throw new ForgeConfigError(parsed.error.issues.flatMap((issue) => problemsOf(issue, at)));

  const forges = parsed.data.forges.map((entry) => {
    const host = entry.host.toLowerCase();
    const apiUrl = entry.api_url ?? (host === GITHUB_COM ? GITHUB_COM_API : `https://${host}/api/v3`);
    return { host, kind: entry.kind, apiUrl: apiUrl.replace(/\/+$/, ''), tokenFile: resolve(stateDir, entry.token_file) };
  });
  const duplicates = forges.flatMap((forge, index) => {
    const first = forges.findIndex((other) => other.host === forge.host);
    return first === index ? [] : [at(['forges', index, 'host'], `${forge.host} is given twice (also forges[${first}])`)];
  });
  if (duplicates.length > 0) throw new ForgeConfigError(duplicates);
  return { forges, pollSeconds: parsed.data.poll_seconds };
}

function problemsOf(issue: z.core.$ZodIssue, at: (path: PolicyPath, message: string) => ForgeConfigProblem): ForgeConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    const known = issue.path.length === 0 ? KNOWN_KEYS.file : KNOWN_KEYS.forge;
    return issue.keys.map((key) => at([...issue.path, key], `is not a known key (known: ${known.join(', ')})`));
  }
  return [at(issue.path, issue.code === 'custom' ? issue.message : `is invalid: ${issue.message}`)];
}

/** Host, owner and repo of a remote URL a forge could serve, or why it cannot be one. */
export function parseRemoteUrl(remoteUrl: string): { host: string; owner: string; repo: string } | { reason: string } {
  // A user name in an https URL may be a token (https://TOKEN@host/…): reasons show the URL without it.
  const shown = remoteUrl.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  let host: string;
  let path: string;
  const scpLike = /^(?:[^@/:\s]+@)?([^@/:\s]+):(.*)$/.exec(remoteUrl);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remoteUrl)) {
    let url: URL;
    try {
      url = new URL(remoteUrl);
    } catch {
      return { reason: `${shown} is not a URL` };
    }
    if (!['https:', 'http:', 'ssh:'].includes(url.protocol)) {
      return { reason: `${url.protocol}// remotes (${shown}) are not on a forge: only https://, ssh:// and git@host:owner/repo ones are` };
    }
    host = url.hostname;
    path = url.pathname.replace(/^\//, '');
  } else if (scpLike) {
    host = scpLike[1]!;
    path = scpLike[2]!;
  } else {
    return { reason: `${shown} is a local path, not a repo on a forge` };
  }
  const [owner, repo, ...rest] = path.replace(/\/$/, '').replace(/\.git$/, '').split('/');
  if (rest.length > 0 || !owner || !repo || !NAME.test(owner) || !NAME.test(repo)) {
    return { reason: `${shown} does not name a repo as OWNER/REPO (https://${host}/OWNER/REPO or git@${host}:OWNER/REPO)` };
  }
  return { host: host.toLowerCase(), owner, repo };
}

/** The forge serving remoteUrl, with the repo's owner and name; or, for a plain git remote, why it is one. */
export function forgeFor(config: ForgesConfig, remoteUrl: string): ForgeMatch {
  const parsed = parseRemoteUrl(remoteUrl);
  if ('reason' in parsed) return { forge: null, reason: parsed.reason };
  const forge = config.forges.find((candidate) => candidate.host === parsed.host);
  if (forge) return { forge, owner: parsed.owner, repo: parsed.repo };
  const where = config.present ? `${config.file} names no forge for ${parsed.host}` : `there is no ${config.file}`;
  return { forge: null, reason: `${where}: ${parsed.host} is used as a plain git remote (no pull request)` };
}

/**
 * The forge's token, from its token file: a regular file of this user that group and others can neither write nor
 * read. Throws ForgeConfigError naming the file and the problem, never the file's content.
 */
export function readForgeToken(forge: ForgeConfig): string {
  const refuse = (message: string) => new ForgeConfigError([{ file: forge.tokenFile, key: '', message }]);
  const file = readTrustedFile(forge.tokenFile);
  if (!file) throw refuse(`does not exist: write the token of ${forge.host} there (chmod 600)`);
  if ((file.mode & 0o077) !== 0) throw refuse(`group or others may read it (mode ${file.mode.toString(8)}); chmod 600 it`);
  const token = file.text.trim();
  if (token === '') throw refuse('holds no token');
  if (/\s/.test(token)) throw refuse('holds more than one word: it must hold the token alone');
  return token;
}

/** readOwnFile's checks (a regular file of this user that group and others cannot write), as a ForgeConfigError. */
function readTrustedFile(path: string): OwnFile | undefined {
  try {
    return readOwnFile(path);
  } catch (error) {
    if (!(error instanceof IdentityFileError)) throw error;
    throw new ForgeConfigError([{ file: path, key: '', message: error.message.replace(`refusing ${path}: `, 'refused: ') }]);
  }
}
