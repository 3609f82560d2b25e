import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../../test/harness/fake-github';
import { HOST_VERSION } from '../version';
import { ForgeError, type ForgeProvider } from './forge';
import { parseForges } from './forgeConfig';
import { githubProvider, type GitHubOptions } from './github';

const HOST = 'github.example.com';
const BRANCH = 'flightdeck-run/r1';
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function stateDirWithToken(token: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fd-forge-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'github-token'), `${token}\n`, { mode: 0o600 });
  return dir;
}

/** A provider configured as an admin would (forges.yaml's text), against `apiUrl`. */
function providerFor(apiUrl: string, token: string, repo = 'app', options: GitHubOptions = {}): ForgeProvider {
  const dir = stateDirWithToken(token);
  const { forges: [forge] } = parseForges(`forges:\n  - host: ${HOST}\n    kind: github\n    api_url: ${apiUrl}\n    token_file: github-token\n`, 'forges.yaml', dir);
  return githubProvider({ forge: forge!, owner: 'acme', repo }, options);
}

async function setup(options: FakeGitHubOptions = {}): Promise<{ github: FakeGitHub; provider: ForgeProvider }> {
  const github = await fakeGitHub(options);
  cleanups.push(() => github.close());
  github.addRepo('acme', 'app');
  return { github, provider: providerFor(github.url, github.token) };
}

async function forgeError(promise: Promise<unknown>): Promise<ForgeError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof ForgeError)) throw new Error(`expected a ForgeError, got ${String(error)}`);
  return error;
}

const openRunPullRequest = (provider: ForgeProvider) =>
  provider.openPullRequest({ head: BRANCH, base: 'main', title: 'Run r1: add a feature', body: 'What the run did.', draft: true });

describe('githubProvider against the fake GitHub, through @octokit/rest', () => {
  it.each([
    ['api.github.com', ''],
    ['GitHub Enterprise Server', '/api/v3'],
  ])('opens a pull request on %s', async (_name, prefix) => {
    const { github, provider } = await setup({ prefix });

    const pull = await openRunPullRequest(provider);

    expect(pull).toEqual({ number: 1, url: expect.stringMatching(/\/acme\/app\/pull\/1$/) });
    expect(github.pulls()).toEqual([
      {
        number: 1,
        owner: 'acme',
        repo: 'app',
        head: BRANCH,
        base: 'main',
        title: 'Run r1: add a feature',
        body: 'What the run did.',
        draft: true,
        state: 'open',
      },
    ]);
    const request = github.requests.at(-1)!;
    expect(`${request.method} ${request.path}`).toBe(`POST ${prefix}/repos/acme/app/pulls`);
    expect(request.headers['user-agent']).toMatch(new RegExp(`^flightdeck-agent-host/${HOST_VERSION} `));
  });

  it('finds the open pull request of a branch again, so a retry opens no second one', async () => {
    const { github, provider } = await setup();
    const opened = await openRunPullRequest(provider);

    expect(await provider.findOpenPullRequest(BRANCH)).toEqual(opened);
    expect(await provider.findOpenPullRequest('flightdeck-run/other')).toBeNull();
    const again = await forgeError(openRunPullRequest(provider));
    expect(again.status).toBe(422);
    expect(again.message).toBe(
      `could not open a pull request of ${BRANCH} into main on ${HOST} acme/app: ` +
        `Validation Failed: A pull request already exists for acme:${BRANCH}. (HTTP 422 from ${github.url})`,
    );
    expect(github.pulls()).toHaveLength(1);
  });

  it('returns the feedback since a cursor: only new items, never the host own replies', async () => {
    const { github, provider } = await setup();
    const { number } = await openRunPullRequest(provider);
    github.addReview(number, { user: 'alice', state: 'CHANGES_REQUESTED', body: 'Please handle the empty list.' });
    github.addReview(number, { user: 'carol', state: 'APPROVED', body: '' });
    const started = github.addReview(number, { user: 'dave', state: 'PENDING', body: 'Started before the others, sent after.' });
    const inline = github.addReviewComment(number, { user: 'alice', path: 'src/list.ts', line: 12, body: 'This throws on [].' });
    github.addComment(number, { user: 'bob', body: 'Could the README mention it?' });
    github.addComment(number, { user: github.login, body: 'Reworking.' });

    const first = await provider.feedbackSince(number, null);

    expect(first.items.map(({ kind, author, body }) => ({ kind, author, body }))).toEqual([
      { kind: 'review', author: 'alice', body: 'Please handle the empty list.' },
      { kind: 'review-comment', author: 'alice', body: 'This throws on [].' },
      { kind: 'comment', author: 'bob', body: 'Could the README mention it?' },
    ]);
    expect(first.items[0]).toMatchObject({ state: 'CHANGES_REQUESTED', url: expect.stringContaining('#pullrequestreview-1') });
    expect(first.items[1]).toMatchObject({ id: `review-comment:${inline}`, path: 'src/list.ts', line: 12, thread: String(inline) });
    expect(first.items[2]!.createdAt).toMatch(/^2026-01-01T00:00:\d\dZ$/);

    github.addComment(number, { user: 'bob', body: 'Also: the changelog.' });
    github.submitReview(started, 'COMMENTED');
    await provider.reply(number, first.items[2]!, 'Done in the next push.');
    const second = await provider.feedbackSince(number, first.cursor);

    expect(second.items.map(({ author, body }) => `${author}: ${body}`)).toEqual([
      'bob: Also: the changelog.',
      'dave: Started before the others, sent after.',
    ]);
    expect((await provider.feedbackSince(number, second.cursor)).items).toEqual([]);
    // Who the token belongs to is asked once per provider.
    expect(github.requests.filter((request) => request.path === '/user')).toHaveLength(1);
  });

  it('reads every page of a list longer than a page', async () => {
    const { github, provider } = await setup({ maxPageSize: 2 });
    const { number } = await openRunPullRequest(provider);
    for (let i = 1; i <= 5; i++) github.addComment(number, { user: 'bob', body: `remark ${i}` });
    for (let i = 1; i <= 3; i++) github.addReviewComment(number, { user: 'alice', path: 'a.ts', line: i, body: `line ${i}` });

    const { items } = await provider.feedbackSince(number, null);

    expect(items.filter((item) => item.kind === 'comment').map((item) => item.body)).toEqual(['remark 1', 'remark 2', 'remark 3', 'remark 4', 'remark 5']);
    expect(items.filter((item) => item.kind === 'review-comment')).toHaveLength(3);
    const pages = github.requests.filter((request) => request.path === `/repos/acme/app/issues/${number}/comments`).map((request) => request.query.page ?? '1');
    expect(pages).toEqual(['1', '2', '3']);
    expect(github.requests.find((request) => request.path.endsWith('/comments'))?.query.per_page).toBe('100');
  });

  it('replies to an inline comment in its thread, and to anything else in the conversation', async () => {
    const { github, provider } = await setup();
    const { number } = await openRunPullRequest(provider);
    const root = github.addReviewComment(number, { user: 'alice', path: 'src/list.ts', line: 12, body: 'This throws on [].' });
    github.addReviewComment(number, { user: 'bob', path: 'src/list.ts', line: 12, body: 'And on null.', inReplyTo: root });
    github.addReview(number, { user: 'carol', state: 'COMMENTED', body: 'Looks close.' });
    const { items, cursor } = await provider.feedbackSince(number, null);
    const threadReply = items.find((item) => item.author === 'bob')!;
    const review = items.find((item) => item.kind === 'review')!;

    const inThread = await provider.reply(number, threadReply, 'Both fixed.');
    const inConversation = await provider.reply(number, review, 'Thanks, reworked.');

    const posts = github.requests.filter((request) => request.method === 'POST').slice(-2);
    expect(posts.map((request) => [request.path, request.body])).toEqual([
      [`/repos/acme/app/pulls/${number}/comments/${root}/replies`, { body: 'Both fixed.' }],
      [`/repos/acme/app/issues/${number}/comments`, { body: 'Thanks, reworked.' }],
    ]);
    expect(inThread.url).toContain('#discussion_r');
    expect(inConversation.url).toContain('#issuecomment-');
    expect((await provider.feedbackSince(number, cursor)).items).toEqual([]);
  });

  it('says which token was refused (401), without the token', async () => {
    const github = await fakeGitHub();
    cleanups.push(() => github.close());
    github.addRepo('acme', 'app');
    const wrongToken = 'ghp_wrongWrongWrong0123456789abcdefABCDEF';
    const provider = providerFor(github.url, wrongToken);

    const error = await forgeError(openRunPullRequest(provider));

    expect(error.status).toBe(401);
    expect(error.message).toMatch(new RegExp(`^could not open a pull request of ${BRANCH} into main on ${HOST} acme/app: the token in /.+/github-token `));
    expect(error.message).toMatch(new RegExp(`was refused by ${github.url} \\(HTTP 401: Bad credentials\\)$`));
    expect(error.message).not.toContain(wrongToken);
    expect(JSON.stringify(error)).not.toContain(wrongToken);
  });

  it('says when the repo is not there or not visible (404) and what the forge refused (422)', async () => {
    const { github } = await setup();
    const missing = providerFor(github.url, github.token, 'nope');

    const notFound = await forgeError(missing.findOpenPullRequest(BRANCH));
    expect(notFound.status).toBe(404);
    expect(notFound.message).toBe(
      `could not look for an open pull request of ${BRANCH} on ${HOST} acme/nope: no repo acme/nope on ${github.url} or the token cannot see it (HTTP 404)`,
    );

    const provider = providerFor(github.url, github.token);
    const noCommits = await forgeError(provider.openPullRequest({ head: 'main', base: 'main', title: 't', body: '', draft: false }));
    expect(noCommits.message).toContain('Validation Failed: No commits between main and main (HTTP 422');
    expect(noCommits.message).not.toContain(github.token);
  });

  it('says when the forge cannot be reached or does not answer in time', async () => {
    const github = await fakeGitHub();
    const closedUrl = github.url;
    await github.close();
    const unreachable = await forgeError(providerFor(closedUrl, 'ghp_x').findOpenPullRequest(BRANCH));
    expect(unreachable.status).toBeUndefined();
    expect(unreachable.message).toContain(`${closedUrl} cannot be reached (`);

    // A server that takes requests and never answers them.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => (silent.closeAllConnections(), silent.close(() => resolve()))));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const late = await forgeError(providerFor(silentUrl, 'ghp_x', 'app', { timeoutMs: 200 }).findOpenPullRequest(BRANCH));
    expect(late.message).toContain(`${silentUrl} did not answer within 0.2 s`);
  });
});
