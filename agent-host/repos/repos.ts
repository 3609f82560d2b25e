import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { simpleGit, type SimpleGit, type SimpleGitOptions } from 'simple-git';
import { AgentName, RepoName, type RepoInfo } from '../../common/protocol/agents';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { Db } from '../journal/database';
import { gitFailed, redactUrl } from './gitErrors';

export interface CloneProgress {
  stage: string;
  percent: number;
}

interface RepoRow {
  name: string;
  url: string;
  branch: string;
  created_at: number;
  fetched_at: number | null;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS repos (
  name TEXT PRIMARY KEY, url TEXT NOT NULL, branch TEXT NOT NULL, created_at REAL NOT NULL, fetched_at REAL
)`;

const AGENT_BRANCH_PREFIX = 'flightdeck/';
// A clone in the making lives under this prefix until it is complete; what a crash left behind is swept at start.
const ADDING_PREFIX = '.adding-';
const DIRTY_FILES_SHOWN = 10;

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

function gitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !LAPTOP_SSH_VARIABLES.has(key) && !INTERACTIVE_VARIABLES.has(key.toLowerCase())) env[key] = value;
  }
  // A daemon has no one to ask: a missing credential is an error, never a prompt that hangs.
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

function git(dir: string): SimpleGit {
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
function reportProgress(repo: SimpleGit, onProgress: (progress: CloneProgress) => void): SimpleGit {
  return repo.outputHandler((_command, _stdout, stderr, args) => {
    if (args[0] !== 'fetch') return;
    const parse = progressParser(onProgress);
    stderr.on('data', (chunk: Buffer) => parse(chunk.toString('utf8')));
  });
}

function invalidParams(message: string, data: Record<string, unknown>): WireError {
  return new WireError(WireErrorCode.InvalidParams, message, data);
}

/** Names become directories and branch names: anything else is refused before it reaches a path or git. */
function checkName(schema: typeof RepoName | typeof AgentName, what: string, name: string): void {
  const parsed = schema.safeParse(name);
  if (!parsed.success) throw invalidParams(`${what} name "${name}" is not allowed: ${parsed.error.issues[0]?.message}`, { name });
}

/** The daemon's cwd is not the user's, so a relative path would mean something else than they meant. */
function checkUrl(url: string): void {
  const remote = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+:/.test(url); // scheme://… or scp-like host:path
  if (url === '' || /\p{Cc}/u.test(url) || (!remote && !isAbsolute(url))) {
    throw invalidParams(`"${redactUrl(url)}" is neither a git URL nor an absolute path on the host`, { url: redactUrl(url) });
  }
}

/** Local changes git would lose with the worktree: porcelain -z entries, a rename's or copy's source skipped. */
function parsePorcelain(output: string): string[] {
  const entries = output.split('\0');
  const files: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.length < 4) continue;
    files.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++;
  }
  return files;
}

/**
 * The repos agents work on, each cloned once (bare) under reposDir with the VM's own credentials, and the agents'
 * worktrees under worktreesDir, one per agent on its own branch `flightdeck/<agent>`.
 */
export class Repos {
  // Operations on one repo run one after another: two agents starting at once must not race on fetch or worktree add.
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Db,
    private readonly reposDir: string,
    private readonly worktreesDir: string,
  ) {
    db.exec(SCHEMA);
    mkdirSync(reposDir, { recursive: true, mode: 0o700 });
    mkdirSync(worktreesDir, { recursive: true, mode: 0o700 });
    for (const entry of readdirSync(reposDir)) {
      if (entry.startsWith(ADDING_PREFIX)) rmSync(join(reposDir, entry), { recursive: true, force: true });
    }
  }

  list(): RepoInfo[] {
    const rows = this.db.prepare('SELECT * FROM repos ORDER BY name').all() as RepoRow[];
    return rows.map(toInfo);
  }

  get(name: string): RepoInfo {
    const row = this.db.prepare('SELECT * FROM repos WHERE name = ?').get(name) as RepoRow | undefined;
    if (!row) throw new WireError(WireErrorCode.RepoNotFound, `no repo named ${name} on this host`, { repo: name });
    return toInfo(row);
  }

  /**
   * Clones url (bare) under name, on branch or else the remote's default branch. The clone is made aside and moved
   * into place only once complete, so a bad URL or branch leaves nothing behind.
   */
  async add(name: string, url: string, branch: string | undefined, onProgress?: (progress: CloneProgress) => void): Promise<RepoInfo> {
    checkName(RepoName, 'repo', name);
    checkUrl(url);
    const shownUrl = redactUrl(url);
    return this.serialized(name, async () => {
      if (this.has(name)) throw new WireError(WireErrorCode.RepoExists, `a repo named ${name} already exists on this host`, { repo: name });
      const dir = this.cloneDir(name);
      // A clone without a row is what a crash between moving it into place and recording it leaves: not a repo.
      await rm(dir, { recursive: true, force: true });
      const temp = await mkdtemp(join(this.reposDir, `${ADDING_PREFIX}${name}-`));
      let chosen: string;
      try {
        const repo = onProgress ? reportProgress(git(temp), onProgress) : git(temp);
        await repo.raw(['init', '--bare', '--quiet']);
        // Not `clone --bare`: that copies the remote's branches as local ones and sets no fetch refspec. This way
        // fetches update origin/* only, and the agents' local flightdeck/* branches are never touched.
        await repo.raw(['remote', 'add', '--', 'origin', url]);
        chosen = branch ?? (await this.remoteDefaultBranch(repo, name, url));
        await fetchOrigin(repo, name, url, onProgress !== undefined);
        if (!(await hasRef(repo, `refs/remotes/origin/${chosen}`))) {
          throw new WireError(WireErrorCode.RefNotFound, `${shownUrl} has no branch ${chosen}`, { repo: name, url: shownUrl, ref: chosen });
        }
        await rename(temp, dir);
      } catch (error) {
        await rm(temp, { recursive: true, force: true });
        throw error;
      }
      const now = Date.now();
      // Should this fail, the clone is an orphan like a crash leaves, and the next add of the name sweeps it.
      this.db.prepare('INSERT INTO repos (name, url, branch, created_at, fetched_at) VALUES (?, ?, ?, ?, ?)').run(name, url, chosen, now, now);
      return this.get(name);
    });
  }

  /** Deletes the clone and its row; the caller counts the agents whose worktrees still use it. */
  remove(name: string, worktreesInUse: number): Promise<void> {
    return this.serialized(name, async () => {
      this.get(name);
      if (worktreesInUse > 0) {
        throw new WireError(
          WireErrorCode.InvalidRequest,
          `repo ${name} still has ${worktreesInUse} agent worktree${worktreesInUse === 1 ? '' : 's'}; remove those agents first`,
          { repo: name, worktreesInUse },
        );
      }
      // The clone first: if deleting it fails, the row stays and remove can be tried again.
      await rm(this.cloneDir(name), { recursive: true, force: true });
      this.db.prepare('DELETE FROM repos WHERE name = ?').run(name);
    });
  }

  /**
   * Fetches, then resolves ref to a full commit sha: no ref means the repo's branch as just fetched; a ref is tried
   * as a branch of origin first, then as anything git resolves (tag, commit, local branch).
   */
  resolveBase(name: string, ref: string | undefined): Promise<string> {
    return this.serialized(name, async () => {
      const info = this.get(name);
      const repo = git(this.cloneDir(name));
      await fetchOrigin(repo, name, info.url);
      this.db.prepare('UPDATE repos SET fetched_at = ? WHERE name = ?').run(Date.now(), name);
      const candidates = ref === undefined ? [`refs/remotes/origin/${info.branch}`] : [`refs/remotes/origin/${ref}`, ref];
      for (const candidate of candidates) {
        const commit = await resolveCommit(repo, candidate);
        if (commit) return commit;
      }
      const shown = ref ?? `origin/${info.branch}`;
      throw new WireError(WireErrorCode.RefNotFound, `repo ${name} has no branch, tag or commit ${shown}`, { repo: name, ref: shown });
    });
  }

  /** A new worktree at <worktreesDir>/<agent> on a new branch flightdeck/<agent> starting at baseCommit. */
  async createWorktree(repoName: string, agent: string, baseCommit: string): Promise<{ path: string; branch: string }> {
    checkName(AgentName, 'agent', agent);
    return this.serialized(repoName, async () => {
      this.get(repoName);
      const repo = git(this.cloneDir(repoName));
      const branch = `${AGENT_BRANCH_PREFIX}${agent}`;
      const path = join(this.worktreesDir, agent);
      if (await hasRef(repo, `refs/heads/${branch}`)) {
        throw new WireError(
          WireErrorCode.InvalidRequest,
          `branch ${branch} already exists in repo ${repoName}: the branch of an earlier agent named ${agent} stays when ` +
            'that agent is removed; delete the branch or choose another agent name',
          { repo: repoName, branch },
        );
      }
      if (existsSync(path)) {
        throw new WireError(WireErrorCode.InvalidRequest, `the worktree directory ${path} already exists`, { repo: repoName, path });
      }
      const commit = await resolveCommit(repo, baseCommit);
      if (!commit) {
        throw new WireError(WireErrorCode.RefNotFound, `repo ${repoName} has no commit ${baseCommit}`, { repo: repoName, ref: baseCommit });
      }
      try {
        await repo.raw(['worktree', 'add', '-b', branch, path, commit]);
      } catch (error) {
        // git makes the branch before it checks out, and keeps it when the checkout fails.
        await repo.raw(['branch', '-D', branch]).catch(() => undefined);
        await rm(path, { recursive: true, force: true });
        await repo.raw(['worktree', 'prune']).catch(() => undefined);
        throw gitFailed(`could not create the worktree of agent ${agent} in repo ${repoName}`, error, { repo: repoName, agent });
      }
      return { path, branch };
    });
  }

  /**
   * Deletes an agent's branch: the undoing of a start that failed after its worktree was made (and removed again).
   * Only flightdeck/* branches, and git refuses one a worktree still has checked out.
   */
  async deleteBranch(repoName: string, branch: string): Promise<void> {
    if (!branch.startsWith(AGENT_BRANCH_PREFIX)) {
      throw invalidParams(`only agent branches (${AGENT_BRANCH_PREFIX}*) are deleted here, not ${branch}`, { repo: repoName, branch });
    }
    return this.serialized(repoName, async () => {
      this.get(repoName);
      const repo = git(this.cloneDir(repoName));
      if (!(await hasRef(repo, `refs/heads/${branch}`))) {
        throw new WireError(WireErrorCode.RefNotFound, `repo ${repoName} has no branch ${branch}`, { repo: repoName, ref: branch });
      }
      try {
        await repo.raw(['branch', '-D', branch]);
      } catch (error) {
        throw gitFailed(`could not delete the branch ${branch} of repo ${repoName}`, error, { repo: repoName, branch });
      }
    });
  }

  /** What removing the worktree would lose: modified, staged and untracked (not ignored) paths. */
  async dirtyFiles(path: string): Promise<string[]> {
    try {
      // untracked-files explicitly: a user's status.showUntrackedFiles=no must not hide them.
      const output = await git(path).raw(['status', '--porcelain=v1', '-z', '--untracked-files=normal']);
      return parsePorcelain(output);
    } catch (error) {
      throw gitFailed(`could not read the status of the worktree ${path}`, error, { path });
    }
  }

  /** Removes an agent's worktree (refused when dirty unless force); its branch stays. */
  removeWorktree(repoName: string, path: string, force: boolean): Promise<void> {
    return this.serialized(repoName, async () => {
      this.get(repoName);
      const repo = git(this.cloneDir(repoName));
      if (existsSync(path)) {
        if (!force) {
          const dirty = await this.dirtyFiles(path);
          if (dirty.length > 0) {
            const shown = dirty.slice(0, DIRTY_FILES_SHOWN).join(', ');
            const more = dirty.length > DIRTY_FILES_SHOWN ? ` and ${dirty.length - DIRTY_FILES_SHOWN} more` : '';
            throw new WireError(
              WireErrorCode.WorktreeDirty,
              `the worktree ${path} has uncommitted changes (${shown}${more}); commit them, or remove with --force to lose them`,
              { repo: repoName, path, files: dirty.slice(0, DIRTY_FILES_SHOWN), count: dirty.length },
            );
          }
        }
        try {
          await repo.raw(['worktree', 'remove', ...(force ? ['--force'] : []), path]);
        } catch (error) {
          throw gitFailed(`could not remove the worktree ${path} of repo ${repoName}`, error, { repo: repoName, path });
        }
      }
      // Forgets worktrees whose directory is gone, this one included when someone deleted it by hand.
      await repo.raw(['worktree', 'prune']);
    });
  }

  private has(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM repos WHERE name = ?').get(name) !== undefined;
  }

  private cloneDir(name: string): string {
    return join(this.reposDir, `${name}.git`);
  }

  private async remoteDefaultBranch(repo: SimpleGit, name: string, url: string): Promise<string> {
    let output: string;
    try {
      output = await repo.raw(['ls-remote', '--symref', 'origin', 'HEAD']);
    } catch (error) {
      throw gitFailed(`could not reach ${url}`, error, { repo: name, url: redactUrl(url) });
    }
    const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(output)?.[1];
    if (!branch) {
      const message = `${redactUrl(url)} names no default branch (its HEAD is not a branch); give one with --branch`;
      throw new WireError(WireErrorCode.RefNotFound, message, { repo: name, url: redactUrl(url), ref: 'HEAD' });
    }
    return branch;
  }

  private serialized<T>(name: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const result = previous.then(operation);
    const settled = result.catch(() => undefined);
    this.queues.set(name, settled);
    void settled.then(() => {
      if (this.queues.get(name) === settled) this.queues.delete(name);
    });
    return result;
  }
}

function toInfo(row: RepoRow): RepoInfo {
  return { name: row.name, url: row.url, branch: row.branch, createdAt: row.created_at, fetchedAt: row.fetched_at };
}

/**
 * Branches as origin has them now (gone ones pruned), and its tags: forced, because a tag moved upstream would
 * otherwise fail every fetch from then on. Only origin/* and tags are written; local branches never are.
 */
async function fetchOrigin(repo: SimpleGit, name: string, url: string, progress = false): Promise<void> {
  try {
    // git writes progress only to a terminal unless asked.
    await repo.raw(['fetch', '--prune', '--tags', '--force', ...(progress ? ['--progress'] : []), 'origin']);
  } catch (error) {
    throw gitFailed(`could not fetch ${url}`, error, { repo: name, url: redactUrl(url) });
  }
}

// simple-git treats a failing command that wrote nothing on stderr as a success: --quiet lookups answer with ''.
async function resolveCommit(repo: SimpleGit, ref: string): Promise<string | null> {
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
async function hasRef(repo: SimpleGit, ref: string): Promise<boolean> {
  try {
    const refs = await repo.raw(['for-each-ref', '--format=%(refname)', ref]);
    return refs.split('\n').includes(ref);
  } catch (error) {
    throw gitFailed(`could not look up ${ref}`, error, { ref });
  }
}
