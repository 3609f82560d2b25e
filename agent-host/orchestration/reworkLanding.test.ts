import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitFiles } from '../repos/commitFiles';
import { branchHead, createBranch, mergeIntoBranch } from '../repos/integration';
import { openRunPullRequest } from './pullRequestOpen';
import { ReviewPoller } from './reviewPoller';
import { landRework, type ReworkLandingDeps } from './reworkLanding';
import { AUTHOR, forgeWorld, RUN, runbookText, type ForgeWorld } from './testing/forgeWorld';

const REWORK = `flightdeck/${RUN}-rework-1`;
let world: ForgeWorld;
let threadRoot: number;

beforeEach(async () => {
  world = await forgeWorld();
  await world.addRun(runbookText('{ open: true, rework: true }'));
  await openRunPullRequest({ ...world, record: world.record }, RUN);
  threadRoot = world.github.addReviewComment(1, { user: 'alice', path: 'README.md', line: 1, body: 'Say hello to the world too.' });
  world.github.addComment(1, { user: 'bob', body: 'And mention the README.' });
  const poller = new ReviewPoller({ ...world, remoteOf: () => world.repos.get('app').url, busy: () => false, newRound: () => undefined, changed: () => undefined, log: () => undefined });
  await poller.pollAll();
});

afterEach(async () => {
  await world.cleanup();
});

// The coordinator's merge (stepGit.ts) without its governance: the same git plumbing in the host's clone.
const deps = (): ReworkLandingDeps => ({
  ...world,
  git: { merge: async (_repo, target, source, message) => mergeIntoBranch(world.clone, { target, source, message, author: AUTHOR }) },
});

/** A rework agent's branch from the integration head, with its commit: its head. */
async function reworked(files: Record<string, string>): Promise<string> {
  await createBranch(world.clone, REWORK, world.branch);
  return commitFiles(world.clone, { branch: REWORK, files: new Map(Object.entries(files)), message: 'Greet the world in the README', author: AUTHOR });
}

const land = (head: string) => landRework(deps(), { run: world.store.get(RUN), round: 1, agent: `${RUN}-rework-1`, branch: REWORK, head, summary: 'The README greets the world.' });
const replies = () => world.github.requests.filter((request) => request.method === 'POST' && request.path !== '/repos/acme/app/pulls');

describe('landRework', () => {
  it('merges the rework, pushes the branch and answers each comment where it was made', async () => {
    const head = await reworked({ 'README.md': 'hello, world\nSee the README.\n' });

    const landing = await land(head);

    const merge = await branchHead(world.clone, world.branch);
    expect(landing).toEqual({ landed: true, merge, pushed: merge });
    expect((await world.gitIn(world.remote, ['rev-parse', `refs/heads/${world.branch}`])).trim()).toBe(merge);
    expect((await world.gitIn(world.remote, ['merge-base', '--is-ancestor', head, world.branch])).trim()).toBe('');
    expect(world.pulls.info(RUN)?.pushedCommit).toBe(merge);
    const body = `Addressed in ${head.slice(0, 7)}: The README greets the world.`;
    expect(replies().map((request) => [request.path, request.body?.body])).toEqual([
      [`/repos/acme/app/pulls/1/comments/${threadRoot}/replies`, body],
      ['/repos/acme/app/issues/1/comments', body],
    ]);
    expect(world.pulls.feedback(RUN, 1).map(({ comment }) => comment.replyUrl)).toEqual([expect.stringContaining('#discussion_r'), expect.stringContaining('#issuecomment-')]);
    const audit = world.auditRows().filter((row) => row.action.startsWith('pr.') || row.action === 'run.push');
    expect(audit.map((row) => row.action)).toEqual(['run.push', 'pr.open', 'pr.feedback', 'run.push', 'pr.reply', 'pr.reply', 'pr.rework']);
    expect(audit.at(-1)!.data).toMatchObject({ number: 1, round: 1, head, merge, answered: 2 });
  });

  it('lands again after a crash without merging, pushing or answering twice', async () => {
    const head = await reworked({ 'README.md': 'hello, world\n' });
    const first = await land(head);

    const again = await land(head);

    expect(again).toEqual(first);
    expect(replies()).toHaveLength(2);
  });

  it('fails with the reason when the rework conflicts with the integration branch', async () => {
    const head = await reworked({ 'README.md': 'hello from the rework\n' });
    await commitFiles(world.clone, { branch: world.branch, files: new Map([['README.md', 'hello from elsewhere\n']]), message: 'Meanwhile', author: AUTHOR });

    const landing = await land(head);

    expect(landing).toEqual({ landed: false, reason: expect.stringMatching(new RegExp(`^${REWORK} conflicts with ${world.branch} \\(README.md\\)`)) });
    expect(replies()).toEqual([]);
  });
});
