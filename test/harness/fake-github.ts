// A stand-in for GitHub (github.com, or GitHub Enterprise Server under /api/v3): a loopback HTTP server speaking
// exactly the REST endpoints the forge provider uses, reached through the real @octokit/rest via its base URL, as a
// GHES instance would be. JSON like GitHub's, with the fields the provider reads; lists paginated with Link headers.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './recordingServer';

export const FAKE_GITHUB_TOKEN = 'ghp_fakeGitHubToken0123456789abcdefABCDEF';
/** The login of the token's user: what the host's own replies are posted as. */
export const FAKE_GITHUB_LOGIN = 'flightdeck-bot';

export interface FakeGitHubOptions {
  token?: string;
  login?: string;
  /** '' as api.github.com serves it (default), '/api/v3' as GitHub Enterprise Server does. */
  prefix?: string;
  /** The largest page served, whatever per_page asks (GitHub's is 100). Default 100. */
  maxPageSize?: number;
}

export interface FakeGitHubRequest {
  method: string;
  /** As received, prefix included. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, when there was one. */
  body: Record<string, unknown> | undefined;
}

export interface FakePull {
  number: number;
  owner: string;
  repo: string;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: 'open' | 'closed';
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING';

export interface FakeGitHub {
  /** The API base URL (origin + prefix): what a forge's api_url is set to. */
  url: string;
  token: string;
  login: string;
  requests: FakeGitHubRequest[];
  /** The first request, answered already or still to come, that matches: how a test waits for the host to act. */
  waitForRequest(matches: (request: FakeGitHubRequest) => boolean, timeoutMs?: number): Promise<FakeGitHubRequest>;
  addRepo(owner: string, name: string): void;
  /** Every pull request opened so far (numbers are unique across the fake's repos). */
  pulls(): FakePull[];
  /** Returns the review's id. A PENDING review is listed without submitted_at until submitReview. */
  addReview(number: number, review: { user: string; state: ReviewState; body: string }): number;
  submitReview(id: number, state: Exclude<ReviewState, 'PENDING'>): void;
  /** Closes (or merges) a pull request: it is no longer listed as open. */
  closePull(number: number): void;
  /** An inline comment; inReplyTo: the id of the comment whose thread it answers. Returns its id. */
  addReviewComment(number: number, comment: { user: string; path: string; line: number; body: string; inReplyTo?: number }): number;
  /** A comment in the pull request's conversation. Returns its id. */
  addComment(number: number, comment: { user: string; body: string }): number;
  close(): Promise<void>;
}

interface Review { id: number; pull: number; user: string; state: ReviewState; body: string; submittedAt?: string }
interface ReviewComment { id: number; pull: number; user: string; path: string; line: number; body: string; inReplyTo?: number; createdAt: string }
interface IssueComment { id: number; pull: number; user: string; body: string; createdAt: string }

const DOCS = 'https://docs.github.com/rest';
const EPOCH = Date.parse('2026-01-01T00:00:00Z');

export async function fakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const token = options.token ?? FAKE_GITHUB_TOKEN;
  const login = options.login ?? FAKE_GITHUB_LOGIN;
  const prefix = options.prefix ?? '';
  const maxPageSize = options.maxPageSize ?? 100;
  const requests: FakeGitHubRequest[] = [];
  const waiters = new Set<(request: FakeGitHubRequest) => void>();
  const repos = new Set<string>();
  const pulls: FakePull[] = [];
  const reviews: Review[] = [];
  const reviewComments: ReviewComment[] = [];
  const issueComments: IssueComment[] = [];
  // Each kind numbers its own ids from 1, as GitHub's tables do: the same number may be a review and a comment.
  const lastId = { review: 0, reviewComment: 0, issueComment: 0 };
  // One second per thing posted: timestamps in the order things happened, the same on every run.
  let clock = 0;
  const now = () => new Date(EPOCH + ++clock * 1000).toISOString().replace('.000Z', 'Z');
  let origin = '';

  const pullNumbered = (number: number): FakePull => {
    const pull = pulls.find((candidate) => candidate.number === number);
    if (!pull) throw new Error(`fake-github: no pull request #${number}`);
    return pull;
  };
  const htmlUrl = (pull: FakePull, anchor = '') => `${origin}/${pull.owner}/${pull.repo}/pull/${pull.number}${anchor}`;
  const pullJson = (pull: FakePull) => ({
    id: pull.number * 1000,
    number: pull.number,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    draft: pull.draft,
    html_url: htmlUrl(pull),
    user: { login },
    head: { ref: pull.head, label: `${pull.owner}:${pull.head}` },
    base: { ref: pull.base },
  });
  const reviewJson = (review: Review) => ({
    id: review.id,
    user: { login: review.user },
    body: review.body,
    state: review.state,
    html_url: htmlUrl(pullNumbered(review.pull), `#pullrequestreview-${review.id}`),
    ...(review.submittedAt ? { submitted_at: review.submittedAt } : {}),
  });
  const reviewCommentJson = (comment: ReviewComment) => ({
    id: comment.id,
    user: { login: comment.user },
    body: comment.body,
    path: comment.path,
    line: comment.line,
    ...(comment.inReplyTo === undefined ? {} : { in_reply_to_id: comment.inReplyTo }),
    html_url: htmlUrl(pullNumbered(comment.pull), `#discussion_r${comment.id}`),
    created_at: comment.createdAt,
  });
  const issueCommentJson = (comment: IssueComment) => ({
    id: comment.id,
    user: { login: comment.user },
    body: comment.body,
    html_url: htmlUrl(pullNumbered(comment.pull), `#issuecomment-${comment.id}`),
    created_at: comment.createdAt,
  });

  const addReviewComment: FakeGitHub['addReviewComment'] = (number, comment) => {
    pullNumbered(number);
    const id = ++lastId.reviewComment;
    reviewComments.push({ id, pull: number, ...comment, createdAt: now() });
    return id;
  };
  const addComment: FakeGitHub['addComment'] = (number, comment) => {
    pullNumbered(number);
    const id = ++lastId.issueComment;
    issueComments.push({ id, pull: number, ...comment, createdAt: now() });
    return id;
  };

  /** A list as GitHub pages it: per_page (default 30, at most maxPageSize), page, and a Link header to the others. */
  function sendPage(res: ServerResponse, request: FakeGitHubRequest, items: unknown[]): void {
    const perPage = Math.min(Number(request.query.per_page ?? 30), maxPageSize);
    const page = Number(request.query.page ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (to: number) => `<${origin}${request.path}?${new URLSearchParams({ ...request.query, page: String(to) })}>`;
    const links = [
      ...(page < last ? [`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`] : []),
      ...(page > 1 ? [`${link(page - 1)}; rel="prev"`, `${link(1)}; rel="first"`] : []),
    ];
    sendJson(res, 200, items.slice((page - 1) * perPage, page * perPage), links.length > 0 ? { link: links.join(', ') } : {});
  }

  const fail = (res: ServerResponse, status: number, message: string, errors?: unknown[]) =>
    sendJson(res, status, { message, ...(errors ? { errors } : {}), documentation_url: DOCS, status: String(status) });

  const missingBody = (res: ServerResponse, resource: string) => fail(res, 422, 'Validation Failed', [{ resource, field: 'body', code: 'missing_field' }]);

  function handle(request: FakeGitHubRequest, res: ServerResponse): void {
    const auth = /^(?:token|bearer) (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (auth !== token) return fail(res, 401, 'Bad credentials');
    if (!request.path.startsWith(`${prefix}/`)) return fail(res, 404, 'Not Found');
    const route = `${request.method} ${request.path.slice(prefix.length)}`;
    if (route === 'GET /user') return sendJson(res, 200, { login, id: 1, type: 'User' });

    const match = /^(GET|POST) \/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(route);
    if (!match || !repos.has(`${match[2]}/${match[3]}`)) return fail(res, 404, 'Not Found');
    const [, method, owner, repo, rest] = match as unknown as [string, string, string, string, string];
    const pullOf = (number: string) => pulls.find((pull) => pull.number === Number(number) && pull.owner === owner && pull.repo === repo);
    const body = request.body ?? {};
    let parts: RegExpExecArray | null;

    if (rest === 'pulls' && method === 'GET') {
      const state = request.query.state ?? 'open';
      const head = request.query.head;
      const listed = pulls.filter(
        (pull) => pull.owner === owner && pull.repo === repo && (state === 'all' || pull.state === state) && (!head || head === `${owner}:${pull.head}`),
      );
      return sendPage(res, request, listed.map(pullJson));
    }
    if (rest === 'pulls' && method === 'POST') {
      const missing = ['head', 'base', 'title'].filter((field) => typeof body[field] !== 'string' || body[field] === '');
      if (missing.length > 0) return fail(res, 422, 'Validation Failed', missing.map((field) => ({ resource: 'PullRequest', field, code: 'missing_field' })));
      const head = String(body.head).replace(`${owner}:`, '');
      const base = String(body.base);
      const invalid = (message: string) => fail(res, 422, 'Validation Failed', [{ resource: 'PullRequest', code: 'custom', message }]);
      if (head === base) return invalid(`No commits between ${base} and ${head}`);
      if (pulls.some((pull) => pull.owner === owner && pull.repo === repo && pull.state === 'open' && pull.head === head && pull.base === base)) {
        return invalid(`A pull request already exists for ${owner}:${head}.`);
      }
      const title = String(body.title);
      const pull: FakePull = { number: pulls.length + 1, owner, repo, head, base, title, body: String(body.body ?? ''), draft: body.draft === true, state: 'open' };
      pulls.push(pull);
      return sendJson(res, 201, pullJson(pull));
    }
    if ((parts = /^pulls\/(\d+)\/reviews$/.exec(rest)) && method === 'GET') {
      const pull = pullOf(parts[1]!);
      if (!pull) return fail(res, 404, 'Not Found');
      return sendPage(res, request, reviews.filter((review) => review.pull === pull.number).map(reviewJson));
    }
    if ((parts = /^pulls\/(\d+)\/comments$/.exec(rest)) && method === 'GET') {
      const pull = pullOf(parts[1]!);
      if (!pull) return fail(res, 404, 'Not Found');
      return sendPage(res, request, reviewComments.filter((comment) => comment.pull === pull.number).map(reviewCommentJson));
    }
    if ((parts = /^pulls\/(\d+)\/comments\/(\d+)\/replies$/.exec(rest)) && method === 'POST') {
      const pull = pullOf(parts[1]!);
      const target = reviewComments.find((comment) => comment.id === Number(parts![2]) && comment.pull === pull?.number);
      if (!pull || !target) return fail(res, 404, 'Not Found');
      if (typeof body.body !== 'string') return missingBody(res, 'PullRequestReviewComment');
      // A thread is answered at its first comment.
      const inReplyTo = target.inReplyTo ?? target.id;
      const id = addReviewComment(pull.number, { user: login, path: target.path, line: target.line, body: body.body, inReplyTo });
      return sendJson(res, 201, reviewCommentJson(reviewComments.find((comment) => comment.id === id)!));
    }
    if ((parts = /^issues\/(\d+)\/comments$/.exec(rest))) {
      const pull = pullOf(parts[1]!);
      if (!pull) return fail(res, 404, 'Not Found');
      if (method === 'GET') return sendPage(res, request, issueComments.filter((comment) => comment.pull === pull.number).map(issueCommentJson));
      if (typeof body.body !== 'string') return missingBody(res, 'IssueComment');
      const id = addComment(pull.number, { user: login, body: body.body });
      return sendJson(res, 201, issueCommentJson(issueComments.find((comment) => comment.id === id)!));
    }
    return fail(res, 404, 'Not Found');
  }

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      let body: Record<string, unknown> | undefined;
      try {
        body = parts.length > 0 ? (JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>) : undefined;
      } catch {
        body = undefined;
      }
      const request = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
      requests.push(request);
      handle(request, res);
      // After handling: a waiter sees the fake's state with the request's effect.
      for (const waiter of waiters) waiter(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}${prefix}`,
    token,
    login,
    requests,
    waitForRequest(matches, timeoutMs = 60_000) {
      const seen = requests.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`fake-github: no matching request within ${timeoutMs} ms; got ${requests.map((r) => `${r.method} ${r.path}`).join(', ')}`));
        }, timeoutMs);
        const waiter = (request: FakeGitHubRequest) => {
          if (!matches(request)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(request);
        };
        waiters.add(waiter);
      });
    },
    addRepo: (owner, name) => void repos.add(`${owner}/${name}`),
    pulls: () => pulls.map((pull) => ({ ...pull })),
    addReview(number, review) {
      pullNumbered(number);
      const id = ++lastId.review;
      reviews.push({ id, pull: number, ...review, ...(review.state === 'PENDING' ? {} : { submittedAt: now() }) });
      return id;
    },
    submitReview(id, state) {
      const review = reviews.find((candidate) => candidate.id === id);
      if (!review) throw new Error(`fake-github: no review ${id}`);
      Object.assign(review, { state, submittedAt: now() });
    },
    closePull: (number) => void (pullNumbered(number).state = 'closed'),
    addReviewComment,
    addComment,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
