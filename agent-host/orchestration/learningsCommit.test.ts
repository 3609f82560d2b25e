import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LEARNINGS_DOC, parseEntries } from '../../common/context/entries';
import { runFiles } from '../../common/context/runFiles';
import { RunRecord } from '../../common/protocol/runRecord';
import { commitFiles } from '../repos/commitFiles';
import { branchHead, createBranch } from '../repos/integration';
import { bare, head, origin, repos, reposDir, useRepoFixture } from '../repos/testing/repoFixture';
import { parseRunbook } from '../runbooks/parseRunbook';
import { learningsFiles, repoRunbookPath } from './learningsCommit';

useRepoFixture();

const RUN = 'r-abc123';
const BRANCH = `flightdeck-run/${RUN}`;
const AUTHOR = { name: 'Someone', email: 'someone@flightdeck.invalid' };
const BUILT_IN = readFileSync(join(resolve(import.meta.dirname, '../../runbooks'), 'add-feature.md'), 'utf8');
const AT = Date.UTC(2026, 2, 14, 9, 30);
let clone: string;

const record = (source: 'built-in' | 'repo' = 'built-in', runbookText = BUILT_IN): RunRecord =>
  RunRecord.parse({
    run: {
      id: RUN,
      runbook: { name: 'add-feature', version: '1.0.0', hash: 'a'.repeat(64), source, file: source === 'repo' ? '.flightdeck/runbooks/feature.md' : 'runbooks/add-feature.md' },
      repo: 'sample',
      params: {},
      state: 'done',
      reason: null,
      baseCommit: head(),
      integrationBranch: BRANCH,
      planner: `${RUN}-planner`,
      planVersion: null,
      approvedVersion: null,
      steps: [],
      startedBy: 'person:alice',
      createdAt: 1000,
      updatedAt: 2000,
    },
    repoUrl: origin.dir,
    runbookText,
    plans: [],
    prompts: [{ agent: `${RUN}-retro`, role: 'retrospective', step: null, prompt: 'Look back.', at: 1500 }],
    steps: [],
    items: [],
    agents: [],
    learnings: [
      { id: `ln-${RUN}-1-1`, appliesTo: 'runbook', text: 'Run the linter before the checkpoint.', acceptedBy: 'person:bob', acceptedAt: AT, round: 1 },
      { id: `ln-${RUN}-1-2`, appliesTo: 'repo', text: 'Tests live in test/.', acceptedBy: 'person:bob', acceptedAt: AT, round: 1 },
    ],
  });

/** The files for round 1, committed onto the branch as Retrospectives does (StepGit.commitOnto). */
async function commitRound(built: RunRecord): Promise<string> {
  const at = (await branchHead(clone, BRANCH))!;
  const files = await learningsFiles(built, 1, (path) => repos.readFile('sample', at, path));
  return commitFiles(clone, { branch: BRANCH, files, message: 'learnings', author: AUTHOR, expectedHead: at });
}

const fileAt = (commit: string, path: string) => bare('sample').raw(['cat-file', 'blob', `${commit}:${path}`]);

beforeEach(async () => {
  await repos.add('sample', origin.dir, undefined);
  clone = join(reposDir, 'sample.git');
  await createBranch(clone, BRANCH, head());
});

describe('learningsFiles', () => {
  it("copies a built-in runbook into the repo with its learning under ## Learnings, adds the repo's to learnings.md, and the record again", async () => {
    const commit = await commitRound(record());
    const runbook = await fileAt(commit, '.flightdeck/runbooks/add-feature.md');
    expect(runbook.startsWith(BUILT_IN.replace(/\n+$/, ''))).toBe(true);
    const parsed = parseRunbook(runbook, '.flightdeck/runbooks/add-feature.md', 'repo');
    expect(parsed.info.learnings).toContain('- Run the linter before the checkpoint. (run r-abc123, accepted by bob, 2026-03-14)');
    expect(parsed.info.learnings).not.toContain('Tests live in test/.');
    const learnings = parseEntries(await fileAt(commit, '.flightdeck/context/learnings.md'));
    expect(learnings.header).toBe(LEARNINGS_DOC.header);
    expect(learnings.entries).toEqual([
      {
        id: `${RUN}/ln-${RUN}-1-2`,
        time: AT,
        body: 'Tests live in test/.\n\n_Run r-abc123 (runbook add-feature, repo sample), retrospective round 1 · accepted by person:bob at 2026-03-14 09:30 UTC_',
      },
    ]);
    for (const [path, text] of runFiles(record())) expect(await fileAt(commit, path)).toBe(text);
    expect(await fileAt(commit, `.flightdeck/runs/${RUN}/prompts/${RUN}-retro.md`)).toContain('Look back.');
  });

  it('builds the same files again after a crash before the commit was recorded: no second commit, nothing twice', async () => {
    const first = await commitRound(record());
    expect(await commitRound(record())).toBe(first);
    expect(await branchHead(clone, BRANCH)).toBe(first);
  });

  it("appends to a repo runbook's own file as the branch has it, and keeps the team's other learnings.md entries", async () => {
    const own = BUILT_IN.replace(/## Learnings\n[\s\S]*$/, '## Learnings\n\n- Keep steps small. (run r-000001, accepted by carol, 2026-01-02)\n');
    const team = '# Learnings\n\n<!-- flightdeck:entry r-000001/ln-r-000001-1-1 2026-01-02T00:00:00.000Z -->\nUse pnpm.\n';
    await commitFiles(clone, { branch: BRANCH, files: new Map([['.flightdeck/runbooks/feature.md', own], ['.flightdeck/context/learnings.md', team]]), message: 'own', author: AUTHOR });
    const built = record('repo', own);
    expect(repoRunbookPath(built.run.runbook)).toBe('.flightdeck/runbooks/feature.md');
    const commit = await commitRound(built);
    const learnings = parseRunbook(await fileAt(commit, '.flightdeck/runbooks/feature.md'), 'feature.md', 'repo').info.learnings;
    expect(learnings).toContain('- Keep steps small. (run r-000001, accepted by carol, 2026-01-02)\n- Run the linter before the checkpoint. (run r-abc123, accepted by bob, 2026-03-14)');
    expect(parseEntries(await fileAt(commit, '.flightdeck/context/learnings.md')).entries.map((entry) => entry.id)).toEqual(['r-000001/ln-r-000001-1-1', `${RUN}/ln-${RUN}-1-2`]);
    await expect(fileAt(commit, '.flightdeck/runbooks/add-feature.md')).rejects.toThrow();
  });
});
