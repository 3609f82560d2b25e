// git as the host runs it: the daemon's own environment, never a prompt, progress parsed from any output chunking.
import { simpleGit, type SimpleGit, type SimpleGitOptions } from 'simple-git';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { gitFailed, redactUrl } from './gitErrors';

export interface CloneProgress {
  stage: string;
  percent: number;
}

// The daemon may have been started from an SSH session long gone, and a forwarded SSH agent is the laptop's
// credential: git on the VM uses the VM's own.
const LAPTOP_SSH_VARIABLES = new Set(['SSH_CONNECTION', 'SSH_CLIENT', 'SSH_TTY', 'SSH_AUTH_SOCK']);
// Nothing here is interactive: git must never start an editor or a pager. Lower case, as simple-git compares them.
const INTERACTIVE_VARIABLES = new Set(['editor', 'git_editor', 'git_sequence_editor', 'pager', 'git_pager', 'git_external_diff']);

/**
 * simple-git refuses to run when the environment carries GIT_SSH_COMMAND, GIT_ASKPASS, GIT_CONFIG_GLOBAL, PREFIX…,
 * to protect apps that pass on environments they were handed. Ours is the daemon's own, set up by the VM's admin:
 * exactly what must apply. Arguments are still checked; user-given URLs and refs only ever go in as positionals.
 */
const TRUSTED_ENVIRONMENT: SimpleGitOptions['unsafe'] = {
  allowUnsafeSshCommand: true,
  allowUnsafeAskPass: true,
  allowUnsafeGitProxy: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeTemplateDir: true,
};

export function gitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !LAPTOP_SSH_VARIABLES.has(key) && !INTERACTIVE_VARIABLES.has(key.toLowerCase())) env[key] = value;
  }
  // A daemon has no one to ask: a missing credential is an error, never a prompt that hangs.
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

export function git(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, unsafe: TRUSTED_ENVIRONMENT }).env(gitEnvironment());
}

// A progress line as the server ("remote: Counting objects:  40% (2/5)") or the client ("Receiving objects: …") writes it.
const PROGRESS_LINE = /^(?:remote: )?(\w+)[^:]*:\s+(\d+)% \(/;

/** Splits git's progress output, which may arrive cut anywhere, into lines and reports those that are progress. */
export function progressParser(onProgress: (progress: CloneProgress) => void): (chunk: string) => void {
  let partial = '';
  return (chunk) => {
    // Each line is rewritten in place with \r until its stage is done.
    const lines = (partial + chunk).split(/[\r\n]/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const match = PROGRESS_LINE.exec(line);
      if (match) onProgress({ stage: match[1]!.toLowerCase(), percent: Number(match[2]) });
    }
  };
}

/**
 * Reports every progress line of a fetch. Not simple-git's progress option: it reads only the first line of each
 * chunk of output and calls every server stage "remote:".
 */
export function reportProgress(repo: SimpleGit, onProgress: (progress: CloneProgress) => void): SimpleGit {
  return repo.outputHandler((_command, _stdout, stderr, args) => {
    if (args[0] !== 'fetch') return;
    const parse = progressParser(onProgress);
    stderr.on('data', (chunk: Buffer) => parse(chunk.toString('utf8')));
  });
}

/**
 * Branches as origin has them now (gone ones pruned), and its tags: forced, because a tag moved upstream would
 * otherwise fail every fetch from then on. Only origin/* and tags are written; local branches never are.
 */
export async function fetchOrigin(repo: SimpleGit, name: string, url: string, progress = false): Promise<void> {
  try {
    // git writes progress only to a terminal unless asked.
    await repo.raw(['fetch', '--prune', '--tags', '--force', ...(progress ? ['--progress'] : []), 'origin']);
  } catch (error) {
    throw gitFailed(`could not fetch ${url}`, error, { repo: name, url: redactUrl(url) });
  }
}

// simple-git treats a failing command that wrote nothing on stderr as a success: --quiet lookups answer with ''.
export async function resolveCommit(repo: SimpleGit, ref: string): Promise<string | null> {
  // No ref or commit starts with a dash; git (and simple-git's guard) would take it for an option.
  if (ref.startsWith('-')) return null;
  try {
    const commit = (await repo.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
    return commit === '' ? null : commit;
  } catch (error) {
    throw gitFailed(`could not look up ${ref}`, error, { ref });
  }
}

/** Whether a ref of exactly this name exists (for-each-ref alone would also match refs below it, and globs). */
export async function hasRef(repo: SimpleGit, ref: string): Promise<boolean> {
  try {
    const refs = await repo.raw(['for-each-ref', '--format=%(refname)', ref]);
    return refs.split('\n').includes(ref);
  } catch (error) {
    throw gitFailed(`could not look up ${ref}`, error, { ref });
  }
}

// `ls-tree --long -z` entries: mode, type, object, size (padded), then the path after a tab.
const TREE_ENTRY = /^(\d{6}) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s;

/**
 * The regular files directly under dir (a folder relative to the repo's root) at commit, read as UTF-8: symlinks,
 * submodules and folders are skipped, and a commit without dir has none. A file over maxBytes is an error naming it,
 * so a repo cannot make the host read (and send) any amount.
 */
export async function readTreeFiles(
  repo: SimpleGit,
  name: string,
  commit: string,
  dir: string,
  maxBytes: number,
): Promise<{ path: string; text: string }[]> {
  const folder = `${dir.replace(/\/+$/, '')}/`;
  let listing: string;
  try {
    listing = await repo.raw(['ls-tree', '-z', '--long', commit, '--', folder]);
  } catch (error) {
    throw gitFailed(`could not list ${folder} at ${commit} in repo ${name}`, error, { repo: name, dir, commit });
  }
  const files: { path: string; object: string }[] = [];
  for (const entry of listing.split('\0')) {
    const [, mode, type, object, size, path] = TREE_ENTRY.exec(entry) ?? [];
    // 100644 and 100755 are files; 120000 (a blob too) is a symlink, which could point anywhere.
    if (type !== 'blob' || !mode!.startsWith('100')) continue;
    if (Number(size) > maxBytes) {
      const message = `${path} at ${commit} in repo ${name} is ${Math.ceil(Number(size) / 1024)} KiB; at most ${maxBytes / 1024} KiB are read`;
      throw new WireError(WireErrorCode.InvalidRequest, message, { repo: name, path, commit, size: Number(size), limit: maxBytes });
    }
    files.push({ path: path!, object: object! });
  }
  try {
    return await Promise.all(files.map(async ({ path, object }) => ({ path, text: await repo.raw(['cat-file', 'blob', object]) })));
  } catch (error) {
    throw gitFailed(`could not read the files of ${folder} at ${commit} in repo ${name}`, error, { repo: name, dir, commit });
  }
}
