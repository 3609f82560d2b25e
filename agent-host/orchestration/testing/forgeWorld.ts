// For unit tests of what follows a run on its forge: a real remote (a bare repository served over smart HTTP, so its
// URL has a host, owner and name like GitHub's), the fake GitHub REST API reached through the real @octokit/rest, a
// host state dir whose forges.yaml (0600, token file 0600) maps that host to the fake, the host's own clone made by
// Repos, and a done run in a real SQLite file whose integration branch has a commit origin lacks.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Plan } from '../../../common/protocol/plan';
import { fakeGitHub, type FakeGitHub } from '../../../test/harness/fake-github';
import { gitHttpServer, type GitHttpServer } from '../../../test/harness/git-http';
import { makeRepo } from '../../../test/harness/repo';
import { AuditLog } from '../../audit/auditLog';
import { openDatabase, type Db } from '../../journal/database';
import { commitFiles } from '../../repos/commitFiles';
import { createBranch } from '../../repos/integration';
import { Repos } from '../../repos/repos';
import { PullRequestStore } from '../pullRequestStore';
import { RunItems } from '../runItems';
import { buildRunRecord } from '../runRecord';
import { RunStore } from '../runStore';

export const RUN = 'r-abc123';
export const AUTHOR = { name: 'Flightdeck', email: 'flightdeck@host.invalid' };

export const PLAN: Plan = {
  title: 'Greet the world',
  summary: 'README greets the world.',
  analysis: { touchpoints: ['README.md'], dependencies: [], risks: [] },
  phases: [{ id: 'p1', title: 'Build', estimate_hours: 1, steps: [{ id: 'greet', title: 'Greet', description: 'Greet.', role: 'implementer', depends_on: [], checkpoint: false }] }],
  impact: { components: [], breaking_changes: [], testing: [] },
  rollback: [],
  questions: [],
};

/** A runbook with this `pull_request:` front matter (YAML flow mapping, or none). */
export function runbookText(pullRequest: string | null): string {
  return [
    '---',
    'name: ship',
    'version: "1"',
    'description: Ship it.',
    'roles:',
    '  planner: { instructions: Plan it. }',
    '  implementer: { instructions: Build it. }',
    ...(pullRequest === null ? [] : [`pull_request: ${pullRequest}`]),
    '---',
    'Keep it small.',
    '',
  ].join('\n');
}

export interface ForgeWorld {
  dir: string;
  stateDir: string;
  db: Db;
  store: RunStore;
  pulls: PullRequestStore;
  repos: Repos;
  audit: AuditLog;
  github: FakeGitHub;
  git: GitHttpServer;
  /** The remote's bare repository on disk, and the host's clone. */
  remote: string;
  clone: string;
  branch: string;
  /** Everything about a run, as orchestrator.record builds it. */
  record(run: string): ReturnType<typeof buildRunRecord>;
  /** A done run of `runbook` whose integration branch has one commit origin lacks. */
  addRun(runbook: string, options?: { id?: string; repo?: string }): Promise<void>;
  /** `git` as a command, in dir, asynchronously (the remote answers on this process's event loop). */
  gitIn(dir: string, args: string[]): Promise<string>;
  auditRows(): { action: string; outcome: string; reason: string | null; data: Record<string, unknown> }[];
  cleanup(): Promise<void>;
}

/** forges: false: no forges.yaml (a plain remote); githubRepo: false: the fake GitHub does not have the repo. */
export async function forgeWorld(options: { forges?: boolean; githubRepo?: boolean } = {}): Promise<ForgeWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'fd-forge-world-'));
  const stateDir = join(dir, 'host');
  const template = await makeRepo([{ message: 'A greeter', files: { 'README.md': 'hello\n' } }]);
  const remote = join(dir, 'forge', 'acme', 'app.git');
  const gitIn = async (cwd: string, args: string[]) => (await promisify(execFile)('git', ['-C', cwd, ...args], { encoding: 'utf8' })).stdout;
  await gitIn(dir, ['clone', '--bare', '--quiet', template.dir, remote]);
  await template.cleanup();
  const git = await gitHttpServer(join(dir, 'forge'));
  const github = await fakeGitHub();
  if (options.githubRepo !== false) github.addRepo('acme', 'app');
  mkdirSync(stateDir, { mode: 0o700 });
  if (options.forges !== false) {
    writeFileSync(join(stateDir, 'github-token'), `${github.token}\n`, { mode: 0o600 });
    writeFileSync(join(stateDir, 'forges.yaml'), `forges:\n  - host: 127.0.0.1\n    kind: github\n    api_url: ${github.url}\n    token_file: github-token\n`, { mode: 0o600 });
  }
  const db = openDatabase(join(stateDir, 'host.db'));
  const store = new RunStore(db);
  const items = new RunItems(db);
  const repos = new Repos(db, join(stateDir, 'repos'), join(stateDir, 'worktrees'));
  await repos.add('app', `${git.url}/acme/app.git`, 'main');
  const clone = dirname(repos.objectsDir('app'));
  const audit = new AuditLog(db);

  return {
    dir,
    stateDir,
    db,
    store,
    pulls: new PullRequestStore(db),
    repos,
    audit,
    github,
    git,
    remote,
    clone,
    branch: `flightdeck-run/${RUN}`,
    record: (run) => buildRunRecord(run, { store, items, agent: () => undefined, repoUrl: (repo) => repos.get(repo).url }),
    async addRun(runbook, { id = RUN, repo = 'app' } = {}) {
      const branch = `flightdeck-run/${id}`;
      const bare = dirname(repos.objectsDir(repo));
      const base = await createBranch(bare, branch, 'refs/remotes/origin/main');
      await commitFiles(bare, { branch, files: new Map([['README.md', 'hello, world\n']]), message: 'Greet the world', author: AUTHOR });
      const now = Date.now();
      store.insert({
        id,
        runbook: { name: 'ship', version: '1', hash: 'a'.repeat(64), source: 'repo', file: '.flightdeck/runbooks/ship.md' },
        runbookText: runbook,
        repo,
        params: {},
        state: 'done',
        reason: null,
        baseCommit: base,
        integrationBranch: branch,
        planner: `${id}-planner`,
        startedBy: 'user:ana',
        createdAt: now,
        updatedAt: now,
      });
      store.addPlan(id, PLAN, 'h'.repeat(64), `agent:${id}-planner`, null);
      store.decidePlan(id, 1, 'approved', 'user:ana', null);
    },
    gitIn,
    auditRows: () =>
      (db.prepare('SELECT action, outcome, reason, data FROM audit ORDER BY seq').all() as { action: string; outcome: string; reason: string | null; data: string }[]).map((row) => ({
        ...row,
        data: JSON.parse(row.data) as Record<string, unknown>,
      })),
    async cleanup() {
      db.close();
      await github.close();
      await git.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
