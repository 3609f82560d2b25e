import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { SimpleGit } from 'simple-git';
import { AgentName, RepoName, type RepoInfo } from '../../common/protocol/agents';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { Db } from '../journal/database';
import { fetchOrigin, git, gitEnvironment, hasRef, readTreeFiles, reportProgress, resolveCommit, type CloneProgress } from './git';
import { gitFailed, redactUrl } from './gitErrors';
import { checkName, checkUrl, invalidParams, parsePorcelain } from './repoChecks';

/** Runs argv confined (read-only, no network) in dir with `readable` visible; null where the host cannot sandbox. */
export type GitConfinement = (argv: string[], dir: string, readable: string[]) => Promise<{ command: string; args: string[] } | null>;

const execFileAsync = promisify(execFile);

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
const MAX_LISTED_FILE_BYTES = 256 * 1024;

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
    private readonly options: { confineGit?: GitConfinement } = {},
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

  /** The URL without credentials, for records that leave the host; '' for a repo no longer here. */
  publicUrl(name: string): string {
    const row = this.db.prepare('SELECT url FROM repos WHERE name = ?').get(name) as { url: string } | undefined;
    return row ? redactUrl(row.url) : '';
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

  /**
   * The agent's worktree at <worktreesDir>/<agent>: a repository of its own on a new branch flightdeck/<agent> at
   * baseCommit, borrowing the host clone's objects read-only (alternates). Not a `git worktree`: that one commits
   * into the host clone's object store and refs, which a sandboxed agent would then need to write — and with them
   * every other agent's branch. The host clone gets the branch too, at the base; syncBranch brings the agent's work.
   */
  async createWorktree(repoName: string, agent: string, baseCommit: string): Promise<{ path: string; branch: string }> {
    checkName(AgentName, 'agent', agent);
    return this.serialized(repoName, async () => {
      this.get(repoName);
      const clone = this.cloneDir(repoName);
      const repo = git(clone);
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
        // Objects the agents' repositories borrow must never be pruned from under them.
        await repo.raw(['config', 'gc.auto', '0']);
        await git(this.worktreesDir).raw(['init', '--quiet', '--initial-branch', branch, path]);
        await writeFile(join(path, '.git', 'objects', 'info', 'alternates'), `${join(clone, 'objects')}\n`);
        const own = git(path);
        await own.raw(['update-ref', `refs/heads/${branch}`, commit]);
        await own.raw(['reset', '--hard', '--quiet', commit]);
        await repo.raw(['update-ref', `refs/heads/${branch}`, commit, '']);
      } catch (error) {
        await rm(path, { recursive: true, force: true });
        throw gitFailed(`could not create the worktree of agent ${agent} in repo ${repoName}`, error, { repo: repoName, agent });
      }
      return { path, branch };
    });
  }

  /** A file as a commit of the host clone has it (null when the commit has no such file): read from git, never a worktree. */
  async readFile(repoName: string, commit: string, path: string): Promise<string | null> {
    this.get(repoName);
    const repo = git(this.cloneDir(repoName));
    const spec = `${commit}:${path}`;
    // simple-git reports a failing command that wrote nothing as success: ask whether the blob exists first.
    const type = await repo.raw(['cat-file', '-t', spec]).catch(() => '');
    if (type.trim() !== 'blob') return null;
    try {
      return await repo.raw(['cat-file', 'blob', spec]);
    } catch (error) {
      throw gitFailed(`could not read ${path} at ${commit} in repo ${repoName}`, error, { repo: repoName, path });
    }
  }

  /** The regular files directly under dir at a commit of the host clone, as text, each at most 256 KiB (readTreeFiles). */
  async listFiles(repoName: string, commit: string, dir: string): Promise<{ path: string; text: string }[]> {
    this.get(repoName);
    const repo = git(this.cloneDir(repoName));
    const resolved = await resolveCommit(repo, commit);
    if (!resolved) throw new WireError(WireErrorCode.RefNotFound, `repo ${repoName} has no commit ${commit}`, { repo: repoName, ref: commit });
    return readTreeFiles(repo, repoName, resolved, dir, MAX_LISTED_FILE_BYTES);
  }

  /** Brings an agent's branch, as its worktree has it now, into the host clone (forced: the agent owns that branch). */
  syncBranch(repoName: string, path: string, branch: string): Promise<string> {
    return this.serialized(repoName, () => this.fetchAgentBranch(repoName, path, branch));
  }

  /**
   * Deletes an agent's branch: the undoing of a start that failed after its worktree was made (and removed again).
   * Only flightdeck/* branches, and not while the agent's worktree still exists.
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
      const worktree = join(this.worktreesDir, branch.slice(AGENT_BRANCH_PREFIX.length));
      if (existsSync(worktree)) {
        throw new WireError(WireErrorCode.InvalidRequest, `the branch ${branch} is checked out in the worktree ${worktree}; remove that first`, {
          repo: repoName,
          branch,
        });
      }
      try {
        await repo.raw(['branch', '-D', branch]);
      } catch (error) {
        throw gitFailed(`could not delete the branch ${branch} of repo ${repoName}`, error, { repo: repoName, branch });
      }
    });
  }

  /**
   * What removing the worktree would lose: modified, staged and untracked (not ignored) paths. The agent controls
   * that repository's config (core.fsmonitor, filter drivers run commands on status), so git runs confined there
   * like the agent itself, reading only the worktree and the objects it borrows.
   */
  async dirtyFiles(path: string, repoName?: string): Promise<string[]> {
    // untracked-files explicitly: a user's status.showUntrackedFiles=no must not hide them.
    const args = ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=normal'];
    try {
      const confined = await this.options.confineGit?.(['git', ...args], path, repoName ? [this.objectsDir(repoName)] : []);
      const output = confined
        ? (await execFileAsync(confined.command, confined.args, { cwd: path, env: gitEnvironment(), maxBuffer: 64 * 1024 * 1024 })).stdout
        : await git(path).raw(args);
      return parsePorcelain(output);
    } catch (error) {
      throw gitFailed(`could not read the status of the worktree ${path}`, error, { path });
    }
  }

  /** Removes an agent's worktree (refused when dirty unless force); its branch, as the agent left it, stays. */
  removeWorktree(repoName: string, path: string, force: boolean): Promise<void> {
    return this.serialized(repoName, async () => {
      this.get(repoName);
      if (!existsSync(path)) return;
      if (!this.isWorktreeOf(repoName, path)) {
        throw new WireError(WireErrorCode.InvalidRequest, `${path} is not an agent worktree of repo ${repoName}; it is left alone`, {
          repo: repoName,
          path,
        });
      }
      if (!force) {
        const dirty = await this.dirtyFiles(path, repoName);
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
      const branch = `${AGENT_BRANCH_PREFIX}${basename(path)}`;
      // The commits go with the directory unless the host clone has them first; a worktree whose branch cannot be
      // read any more (force) is removed all the same.
      await this.fetchAgentBranch(repoName, path, branch).catch((error: unknown) => {
        if (!force) throw error;
      });
      await rm(path, { recursive: true, force: true });
    });
  }

  /** An agent worktree of this repo: directly under worktreesDir, borrowing exactly this repo's objects. */
  private isWorktreeOf(repoName: string, path: string): boolean {
    if (dirname(path) !== this.worktreesDir) return false;
    try {
      return readFileSync(join(path, '.git', 'objects', 'info', 'alternates'), 'utf8').trim() === join(this.cloneDir(repoName), 'objects');
    } catch {
      return false;
    }
  }

  /**
   * Fetched by the host clone, so git in the agent's repository runs only as upload-pack, which takes no commands
   * from that repository's config (the agent controls it: hooks, fsmonitor, filters).
   */
  private async fetchAgentBranch(repoName: string, path: string, branch: string): Promise<string> {
    const repo = git(this.cloneDir(repoName));
    try {
      await repo.raw(['fetch', '--quiet', '--no-tags', '--', path, `+refs/heads/${branch}:refs/heads/${branch}`]);
    } catch (error) {
      throw gitFailed(`could not bring the branch ${branch} of ${path} into repo ${repoName}`, error, { repo: repoName, path, branch });
    }
    const commit = await resolveCommit(repo, `refs/heads/${branch}`);
    if (!commit) throw new WireError(WireErrorCode.RefNotFound, `repo ${repoName} has no branch ${branch}`, { repo: repoName, ref: branch });
    return commit;
  }

  private has(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM repos WHERE name = ?').get(name) !== undefined;
  }

  /** The object store agents' repositories of this repo borrow from. */
  objectsDir(name: string): string {
    return join(this.cloneDir(name), 'objects');
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
