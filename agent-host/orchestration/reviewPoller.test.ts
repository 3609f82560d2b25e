import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRunPullRequest } from './pullRequestOpen';
import { ReviewPoller, type ReviewPollerDeps } from './reviewPoller';
import { forgeWorld, RUN, runbookText, type ForgeWorld } from './testing/forgeWorld';

let world: ForgeWorld;
let rounds: [string, number][];
let busy: Set<string>;
let pollers: ReviewPoller[];

beforeEach(async () => {
  world = await forgeWorld();
  await world.addRun(runbookText('{ open: true, rework: true }'));
  await openRunPullRequest({ ...world, record: world.record }, RUN);
  rounds = [];
  busy = new Set();
  pollers = [];
});

afterEach(async () => {
  for (const poller of pollers) await poller.stop();
  await world.cleanup();
});

function poller(change: Partial<ReviewPollerDeps> = {}): ReviewPoller {
  const made = new ReviewPoller({
    stateDir: world.stateDir,
    pulls: world.pulls,
    audit: world.audit,
    remoteOf: () => world.repos.get('app').url,
    busy: (run) => busy.has(run),
    newRound: (run, round) => rounds.push([run, round]),
    changed: () => undefined,
    log: () => undefined,
    ...change,
  });
  pollers.push(made);
  return made;
}

const feedbackOf = (round: number) => world.pulls.feedback(RUN, round).map(({ comment }) => [comment.kind, comment.author, comment.body, comment.path, comment.line]);

describe('ReviewPoller', () => {
  it("stores each batch of new feedback as a round, once, audited, and never the host's own replies", async () => {
    const comment = world.github.addReviewComment(1, { user: 'alice', path: 'README.md', line: 1, body: 'Say hello to the world too.' });
    world.github.addComment(1, { user: 'bob', body: 'Nice.' });
    world.github.addReview(1, { user: 'carol', state: 'APPROVED', body: '' });
    const polls = poller();

    await polls.pollAll();

    expect(rounds).toEqual([[RUN, 1]]);
    expect(feedbackOf(1)).toEqual([
      ['review-comment', 'alice', 'Say hello to the world too.', 'README.md', 1],
      ['comment', 'bob', 'Nice.', null, null],
    ]);
    expect(world.auditRows().filter((row) => row.action === 'pr.feedback')).toEqual([
      expect.objectContaining({ outcome: 'ok', data: { number: 1, round: 1, items: [expect.objectContaining({ id: `review-comment:${comment}`, author: 'alice' }), expect.objectContaining({ author: 'bob' })] } }),
    ]);

    world.github.addReviewComment(1, { user: world.github.login, path: 'README.md', line: 1, body: 'Addressed.', inReplyTo: comment });
    await polls.pollAll();
    expect(rounds).toEqual([[RUN, 1]]);
  });

  it('goes on from the stored cursor after a restart: nothing is collected twice', async () => {
    world.github.addComment(1, { user: 'bob', body: 'First.' });
    await poller().pollAll();
    world.github.addComment(1, { user: 'bob', body: 'Second.' });

    // A new daemon: a new poller over the same database file.
    await poller().pollAll();

    expect(rounds).toEqual([
      [RUN, 1],
      [RUN, 2],
    ]);
    expect(feedbackOf(2)).toEqual([['comment', 'bob', 'Second.', null, null]]);
    expect(world.pulls.feedback(RUN)).toHaveLength(2);
  });

  it('leaves a pull request alone while its run is being reworked', async () => {
    world.github.addComment(1, { user: 'bob', body: 'Later.' });
    busy.add(RUN);
    await poller().pollAll();
    expect(world.github.requests.filter((request) => request.path.includes('/comments'))).toEqual([]);
    busy.clear();
    await poller().pollAll();
    expect(rounds).toEqual([[RUN, 1]]);
  });

  it('stops polling a pull request closed or merged on the forge', async () => {
    world.github.closePull(1);
    const polls = poller();
    await polls.pollAll();
    expect(world.pulls.polled()).toEqual([]);
    expect(world.pulls.info(RUN)).toMatchObject({ state: 'open', note: '#1 was closed or merged on the forge: its feedback is no longer polled' });
    const asked = world.github.requests.length;
    await polls.pollAll();
    expect(world.github.requests).toHaveLength(asked);
  });

  it('notes a poll that fails and tries again the next time', async () => {
    writeFileSync(join(world.stateDir, 'github-token'), 'ghp_notTheToken\n', { mode: 0o600 });
    const polls = poller();
    await polls.pollAll();
    expect(world.pulls.info(RUN)?.note).toMatch(/^the feedback could not be read \(tried again in the next poll\): .*HTTP 401/);

    writeFileSync(join(world.stateDir, 'github-token'), `${world.github.token}\n`, { mode: 0o600 });
    world.github.addComment(1, { user: 'bob', body: 'Now?' });
    await polls.pollAll();
    expect(world.pulls.info(RUN)?.note).toBeNull();
    expect(rounds).toEqual([[RUN, 1]]);
  });

  it("polls on its own clock, every forges.yaml's poll_seconds", async () => {
    writeFileSync(join(world.stateDir, 'forges.yaml'), `poll_seconds: 1\nforges:\n  - host: 127.0.0.1\n    kind: github\n    api_url: ${world.github.url}\n    token_file: github-token\n`, { mode: 0o600 });
    const collected = new Promise<number>((resolve) => poller({ newRound: (_run, round) => round === 2 && resolve(round) }).start());
    world.github.addComment(1, { user: 'bob', body: 'One.' });
    await world.github.waitForRequest((request) => request.path.endsWith('/issues/1/comments'));
    world.github.addComment(1, { user: 'bob', body: 'Two.' });
    expect(await collected).toBe(2);
  });
});
