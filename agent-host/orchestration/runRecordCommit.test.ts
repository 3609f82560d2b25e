import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { MANAGED_BLOCK, withManagedBlock } from '../../common/context/agentsMd';
import { runFiles } from '../../common/context/runFiles';
import { RunRecord } from '../../common/protocol/runRecord';
import { commitFiles } from '../repos/commitFiles';
import { branchHead, createBranch } from '../repos/integration';
import { bare, head, origin, repos, reposDir, useRepoFixture } from '../repos/testing/repoFixture';
import { commitRunRecord } from './runRecordCommit';

useRepoFixture();

const RUN = 'r-abc123';
const BRANCH = `flightdeck-run/${RUN}`;
const AUTHOR = { name: 'Someone', email: 'someone@flightdeck.invalid' };
let clone: string;

const record = (): RunRecord =>
  RunRecord.parse({
    run: {
      id: RUN,
      runbook: { name: 'add-feature', version: '1.0.0', hash: 'a'.repeat(64), source: 'built-in', file: 'runbooks/add-feature.md' },
      repo: 'sample',
      params: {},
      state: 'blocked',
      reason: 'an escalation is open',
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
    repoUrl: 'https://git.example.com/team/app.git',
    runbookText: '---\nname: add-feature\n---\n',
    plans: [],
    prompts: [],
    steps: [],
    items: [],
    agents: [],
  });

const fileAt = (commit: string, path: string) => bare('sample').raw(['cat-file', 'blob', `${commit}:${path}`]);

beforeEach(async () => {
  await repos.add('sample', origin.dir, undefined);
  clone = join(reposDir, 'sample.git');
  await createBranch(clone, BRANCH, head());
});

describe('commitRunRecord', () => {
  it("commits the run's files, rendered as done, and AGENTS.md with Flightdeck's block onto the integration branch", async () => {
    const { commit, error } = await commitRunRecord(repos, record, AUTHOR);
    expect(error).toBeNull();
    expect(await branchHead(clone, BRANCH)).toBe(commit);
    expect((await bare('sample').raw(['log', '-1', '--format=%an|%s', commit!])).trim()).toBe(`Someone|Flightdeck: record of run ${RUN}`);
    const expected = runFiles({ ...record(), run: { ...record().run, state: 'done', reason: null } });
    for (const [path, text] of expected) expect(await fileAt(commit!, path)).toBe(text);
    expect(await fileAt(commit!, `.flightdeck/runs/${RUN}/summary.md`)).toContain(`- Run: ${RUN} · done\n`);
    expect(await fileAt(commit!, 'AGENTS.md')).toBe(`${MANAGED_BLOCK}\n`);
    expect(await fileAt(commit!, 'README.md')).toBe(await fileAt(head(), 'README.md'));
  });

  it("keeps the team's own AGENTS.md around the block, and commits nothing new when run again", async () => {
    const withOwn = await commitFiles(clone, { branch: BRANCH, files: new Map([['AGENTS.md', '# Our rules\n\nBe kind.\n']]), message: 'rules', author: AUTHOR });
    const first = await commitRunRecord(repos, record, AUTHOR);
    expect(await fileAt(first.commit!, 'AGENTS.md')).toBe(withManagedBlock('# Our rules\n\nBe kind.\n'));
    expect(await fileAt(first.commit!, 'AGENTS.md')).toMatch(/^# Our rules\n\nBe kind\.\n\n<!-- flightdeck:begin/);
    expect((await bare('sample').raw(['rev-parse', `${first.commit}^`])).trim()).toBe(withOwn);
    // A restart between the commit and the run's end records it again: the same files, no second commit.
    expect(await commitRunRecord(repos, record, AUTHOR)).toEqual(first);
  });

  it('reports a failure instead of throwing: no branch, or no record to build', async () => {
    const missing = await commitRunRecord(repos, () => ({ ...record(), run: { ...record().run, integrationBranch: 'flightdeck-run/r-gone' } }), AUTHOR);
    expect(missing).toEqual({ commit: null, error: "the integration branch flightdeck-run/r-gone is not in the host's clone of sample" });
    const broken = await commitRunRecord(repos, () => {
      throw new Error('the store is gone');
    }, AUTHOR);
    expect(broken).toEqual({ commit: null, error: 'the store is gone' });
    expect(await branchHead(clone, BRANCH)).toBe(head());
  });
});
