// Real chains, real run records and real git repositories for the context sync's tests.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { type ChainRecord, chainRecordHash, GENESIS_HASH } from '../../../common/audit/chain';
import { RunRecord, type RunRecordItem } from '../../../common/protocol/runRecord';
import type { ContextHost, ContextSource } from '../contextSource';
import { sha256Hex } from '../verifyRepo';

const T0 = Date.UTC(2026, 11, 1, 22, 0);

/** Records `from`..`to` of one host's chain, an hour apart from T0 (so they cross UTC days), hashed as the host does. */
export function chain(to: number, options: { from?: number; after?: ChainRecord; actor?: string } = {}): ChainRecord[] {
  const records: ChainRecord[] = [];
  let prevHash = options.after?.hash ?? GENESIS_HASH;
  for (let seq = options.from ?? 1; seq <= to; seq++) {
    const body = { seq, time: T0 + seq * 60 * 60 * 1000, actor: options.actor ?? 'person:alice', action: 'session.input', target: `s-${seq}`, reason: seq % 3 === 0 ? null : 'typed', outcome: 'allowed', data: { bytes: seq, nested: { b: 1, a: [seq] } }, prevHash };
    const record = { ...body, hash: chainRecordHash(body, sha256Hex) };
    records.push(record);
    prevHash = record.hash;
  }
  return records;
}

export function host(name: string, records: ChainRecord[], hostId = `id-${name}`): ContextHost {
  return { name, hostId, records: () => records };
}

export function source(hosts: ContextHost[], runs: RunRecord[] = []): ContextSource {
  return { hosts: () => hosts, runs: () => runs };
}

const PLAN = {
  title: 'Add a dark-mode flag',
  summary: 'A flag and its docs.',
  analysis: { touchpoints: ['src/flags.ts'], dependencies: [], risks: [] },
  phases: [{ id: 'p1', title: 'Build', estimate_hours: 2, steps: [{ id: 'flag', title: 'Add the flag', description: '', role: 'implementer', depends_on: [], checkpoint: true }] }],
  impact: { components: [], breaking_changes: [], testing: [] },
  rollback: ['Revert the merge'],
  questions: [],
};

export function item(id: string, overrides: Partial<RunRecordItem> = {}): RunRecordItem {
  return { id, kind: 'checkpoint', origin: 'agent-checkpoint', step: 'flag', phase: 'p1', agent: 'r-abc123-flag', summary: `Checkpoint ${id}`, status: 'open', decision: null, decidedBy: null, approvals: [], createdAt: T0 + 10, decidedAt: null, testsRun: [], files: [], ...overrides };
}

/** A run as the host records it, plan v1 sent back and v2 approved; `updatedAt` orders two snapshots of the same run. */
export function run(id: string, options: { updatedAt?: number; items?: RunRecordItem[] } = {}): RunRecord {
  const hash = 'a'.repeat(64);
  return RunRecord.parse({
    run: {
      id,
      runbook: { name: 'add-feature', version: '1.0.0', hash, source: 'built-in', file: 'runbooks/add-feature.md' },
      repo: 'app',
      params: {},
      state: 'running',
      reason: null,
      baseCommit: 'b'.repeat(40),
      integrationBranch: `flightdeck-run/${id}`,
      planner: `${id}-planner`,
      planVersion: 2,
      approvedVersion: 2,
      steps: [{ id: 'flag', phase: 'p1', title: 'Add the flag', role: 'implementer', dependsOn: [], checkpoint: true, state: 'running', agent: `${id}-flag`, branch: null }],
      startedBy: 'person:alice',
      createdAt: T0,
      updatedAt: options.updatedAt ?? T0 + 1000,
    },
    repoUrl: 'https://git.example.com/team/app.git',
    runbookText: '# Add a feature\n',
    plans: [
      { version: 1, plan: PLAN, hash, author: `agent:${id}-planner`, note: null, status: 'changes-requested', decidedBy: 'person:alice', feedback: 'Split the docs out', createdAt: T0 + 1 },
      { version: 2, plan: PLAN, hash, author: `agent:${id}-planner`, note: null, status: 'approved', decidedBy: 'person:bob', feedback: null, createdAt: T0 + 2 },
    ],
    prompts: [{ agent: `${id}-planner`, role: 'planner', step: null, prompt: 'Plan it.', at: T0 + 1 }],
    steps: [{ id: 'flag', summary: null, baseCommit: null, restarts: 0 }],
    items: (options.items ?? []).map((entry) => ({ ...entry, agent: `${id}-flag` })),
    agents: [],
  });
}

export interface Scratch {
  dir: string;
  cleanup(): Promise<void>;
}

export async function scratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'flightdeck-context-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The test's environment without editors and pagers (simple-git refuses them) and without global or system git config. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key, value]) => value !== undefined && !/^(GIT_)?(EDITOR|PAGER)$/i.test(key))) as Record<string, string>;
  return { ...env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...extra };
}

/** A test's git: the machine's settings never change a result. */
export function testGit(dir: string, extra: Record<string, string> = {}): SimpleGit {
  return simpleGit({ baseDir: dir, unsafe: { allowUnsafeConfigPaths: true } }).env(testEnv(extra));
}

/** A clone with a commit, an uncommitted change, a staged one and an untracked file: a person mid-work. */
export async function personsClone(dir: string): Promise<SimpleGit> {
  const git = testGit(dir);
  await git.init(['--initial-branch=main']);
  await git.addConfig('user.name', 'Person').addConfig('user.email', 'person@example.invalid');
  await writeFile(join(dir, 'README.md'), '# App\n');
  await writeFile(join(dir, 'a.txt'), 'one\n');
  await git.add(['README.md', 'a.txt']).commit('init');
  await writeFile(join(dir, 'README.md'), '# App, edited\n');
  await writeFile(join(dir, 'a.txt'), 'one, staged\n');
  await git.add(['a.txt']);
  await writeFile(join(dir, 'new.txt'), 'untracked\n');
  return git;
}

/** Files of `ref` as the branch holds them. */
export async function branchFiles(git: SimpleGit, ref: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const paths = (await git.raw(['ls-tree', '-r', '--name-only', '-z', ref])).split('\0').filter(Boolean);
  for (const path of paths) files.set(path, await git.raw(['show', `${ref}:${path}`]));
  return files;
}

/** A commit on `branch` changing files (null deletes), written with plumbing as someone tampering with the branch would. */
export async function commitOnBranch(git: SimpleGit, branch: string, changes: Record<string, string | null>): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'flightdeck-tamper-'));
  try {
    const identity = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@x' };
    await mkdir(join(work, 'tree'));
    const index = testGit(await git.revparse(['--absolute-git-dir']), { GIT_INDEX_FILE: join(work, 'index'), GIT_WORK_TREE: join(work, 'tree'), ...identity });
    await index.raw(['read-tree', `refs/heads/${branch}`]);
    for (const [path, text] of Object.entries(changes)) {
      if (text === null) {
        await index.raw(['update-index', '--force-remove', '--', path]);
        continue;
      }
      const file = join(work, 'blob');
      await writeFile(file, text);
      const oid = (await index.raw(['hash-object', '-w', '--no-filters', file])).trim();
      await index.raw(['update-index', '--add', '--cacheinfo', `100644,${oid},${path}`]);
    }
    const tree = (await index.raw(['write-tree'])).trim();
    const commit = (await index.raw(['commit-tree', tree, '-p', `refs/heads/${branch}`, '-m', 'tamper'])).trim();
    await index.raw(['update-ref', `refs/heads/${branch}`, commit]);
    return commit;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
