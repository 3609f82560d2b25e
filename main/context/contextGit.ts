// git for the context branch: plumbing run in the repository's git directory, so it works the same from a clone's
// top, one of its subdirectories or a bare repository, and never reaches a working tree.
import { simpleGit, type SimpleGit, type SimpleGitOptions } from 'simple-git';
import type { Blob } from './treeMerge';

/**
 * simple-git refuses environments that carry GIT_SSH_COMMAND, GIT_ASKPASS, GIT_CONFIG_GLOBAL…, to protect apps that
 * pass on environments they were handed. This one is the person's own (their shell, their desktop session) and
 * decides how their fetch and push authenticate: exactly what must apply.
 */
const OWN_ENVIRONMENT: SimpleGitOptions['unsafe'] = {
  allowUnsafeSshCommand: true,
  allowUnsafeAskPass: true,
  allowUnsafeGitProxy: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeTemplateDir: true,
};

// Variables that would point git at another repository or index than the one asked for (set when run from a hook).
const LOCATING_VARIABLES = new Set(['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX']);
// Nothing here is interactive. Lower case, as simple-git compares them.
const INTERACTIVE_VARIABLES = new Set(['editor', 'git_editor', 'git_sequence_editor', 'pager', 'git_pager', 'git_external_diff']);

function environment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !LOCATING_VARIABLES.has(key) && !INTERACTIVE_VARIABLES.has(key.toLowerCase())) env[key] = value;
  }
  // A sync in the background has no one to type a password: a missing credential is an error, never a hang.
  env.GIT_TERMINAL_PROMPT = '0';
  return { ...env, ...extra };
}

export function gitAt(dir: string, extra: Record<string, string> = {}): SimpleGit {
  return simpleGit({ baseDir: dir, unsafe: OWN_ENVIRONMENT }).env(environment(extra));
}

/** The absolute git directory of the repository at `repoPath` (a clone, any directory in it, or a bare repository). */
export async function gitDirOf(repoPath: string): Promise<string> {
  try {
    return (await gitAt(repoPath).raw(['rev-parse', '--absolute-git-dir'])).trim();
  } catch (error) {
    throw new Error(`${repoPath} is not a git repository: ${(error as Error).message.trim()}`);
  }
}

/** The commit `ref` names, or null when it names none. */
export async function resolveCommit(git: SimpleGit, ref: string): Promise<string | null> {
  // rev-parse -q exits 1 without a word for a missing ref, which simple-git resolves as empty output.
  const oid = (await git.raw(['rev-parse', '--verify', '-q', `${ref}^{commit}`])).trim();
  return oid === '' ? null : oid;
}

/** Every file of a commit's tree, whole repository. */
export async function readTree(git: SimpleGit, commit: string, under?: string): Promise<Map<string, Blob>> {
  const out = await git.raw(['ls-tree', '-r', '-z', '--full-tree', commit, ...(under ? ['--', under] : [])]);
  const files = new Map<string, Blob>();
  for (const entry of out.split('\0')) {
    if (entry === '') continue;
    // "<mode> <type> <oid>\t<path>"; -z leaves paths unquoted.
    const tab = entry.indexOf('\t');
    const [mode, , oid] = entry.slice(0, tab).split(' ');
    files.set(entry.slice(tab + 1), { mode: mode!, oid: oid! });
  }
  return files;
}

export function readBlob(git: SimpleGit, oid: string): Promise<string> {
  return git.raw(['cat-file', 'blob', oid]);
}
