// The forge provider of GitHub and GitHub Enterprise Server, through @octokit/rest against the configured API URL.
import { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { errorMessage } from '../../common/wire/errors';
import { describeZodIssues } from '../../common/zodIssues';
import { HOST_VERSION } from '../version';
import { ForgeError, type FeedbackPage, type ForgeFeedback, type ForgeFeedbackKind, type ForgeProvider, type PullRequest } from './forge';
import { readForgeToken, type ForgeConfig, type ForgeTarget } from './forgeConfig';

export interface GitHubOptions {
  /** Per HTTP request (each page of a list is one). Default 30 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
// GitHub's largest page: the fewest requests per list.
const PER_PAGE = 100;
// octokit's debug log would carry each request's headers, the token among them; its error log repeats what the
// provider reports itself.
const QUIET = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

// Only what the provider reads, checked: a GitHub Enterprise Server of another version may answer differently.
const User = z.object({ login: z.string() }).nullable(); // null: the account was deleted
const Pull = z.object({ number: z.number().int(), html_url: z.string() });
const Review = z.object({
  id: z.number().int(),
  user: User,
  state: z.string(),
  body: z.string().nullish(),
  html_url: z.string(),
  // Absent on a pending review, which only its author sees.
  submitted_at: z.string().nullish(),
});
const ReviewComment = z.object({
  id: z.number().int(),
  user: User,
  body: z.string(),
  path: z.string(),
  line: z.number().int().nullish(),
  in_reply_to_id: z.number().int().nullish(),
  html_url: z.string(),
  created_at: z.string(),
});
const IssueComment = z.object({ id: z.number().int(), user: User, body: z.string().nullish(), html_url: z.string(), created_at: z.string() });
const ErrorBody = z.object({
  message: z.string().optional(),
  errors: z.array(z.union([z.string(), z.object({ message: z.string().optional(), code: z.string().optional(), field: z.string().optional() })])).optional(),
});

const KINDS = ['review', 'review-comment', 'comment'] as const satisfies readonly ForgeFeedbackKind[];
// Every id listed so far, per kind. Not "newer than the last id": a review (and its comments) gets its ids when it is
// started and shows up only when it is submitted, possibly after later ones.
const Ids = z.array(z.number().int());
const Cursor = z.strictObject({ v: z.literal(1), seen: z.strictObject({ review: Ids, 'review-comment': Ids, comment: Ids }) });
type Cursor = z.infer<typeof Cursor>;
const ITEM_ID = /^(review|review-comment|comment):(\d+)$/;

/** A provider for the repo of target; reads the forge's token now (throws ForgeConfigError when it is refused). */
export function githubProvider(target: ForgeTarget, options: GitHubOptions = {}): ForgeProvider {
  const { forge, owner, repo } = target;
  const token = readForgeToken(forge);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const octokit = new Octokit({
    auth: token,
    baseUrl: forge.apiUrl,
    userAgent: `flightdeck-agent-host/${HOST_VERSION}`,
    log: QUIET,
    // @octokit/request has no timeout option of its own: each request gets its own deadline.
    request: { fetch: ((input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })) satisfies typeof fetch },
  });
  const where = `${forge.host} ${owner}/${repo}`;

  async function call<T>(doing: string, run: () => Promise<T>, aboutRepo = true): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'HttpError') throw error;
      const failure = describeFailure(error, { forge, owner, repo, timeoutMs, aboutRepo });
      // The token is never put in a message on purpose; this makes sure nothing the server said holds it either.
      throw new ForgeError(`${doing}: ${failure.message}`.split(token).join('<token>'), failure.status);
    }
  }

  function parsed<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
    const result = schema.safeParse(value);
    if (!result.success) throw new ForgeError(`unexpected ${what} from ${forge.apiUrl} for ${owner}/${repo}: ${describeZodIssues(result.error)}`);
    return result.data;
  }

  let ownLogin: Promise<string> | undefined;
  /** Who the token belongs to: its comments are the host's replies, not feedback. Asked once (again after a failure). */
  function whoAmI(): Promise<string> {
    ownLogin ??= call(
      `could not ask ${forge.host} whom the token in ${forge.tokenFile} belongs to`,
      async () => parsed(z.object({ login: z.string() }), (await octokit.rest.users.getAuthenticated()).data, 'user').login,
      false,
    ).catch((error: unknown) => {
      ownLogin = undefined;
      throw error;
    });
    return ownLogin;
  }

  const pullOf = (value: unknown): PullRequest => {
    const pull = parsed(Pull, value, 'pull request');
    return { number: pull.number, url: pull.html_url };
  };

  return {
    async openPullRequest({ head, base, title, body, draft }) {
      const doing = `could not open a pull request of ${head} into ${base} on ${where}`;
      const { data } = await call(doing, () => octokit.rest.pulls.create({ owner, repo, head, base, title, body, draft }));
      return pullOf(data);
    },

    async findOpenPullRequest(head) {
      const doing = `could not look for an open pull request of ${head} on ${where}`;
      // One page: there is at most one open pull request of a branch per base, and any of them will do.
      const { data } = await call(doing, () => octokit.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${head}`, per_page: PER_PAGE }));
      const pulls = parsed(z.array(z.unknown()), data, 'pull request list');
      return pulls.length === 0 ? null : pullOf(pulls[0]);
    },

    async feedbackSince(number, cursor) {
      const seen = readCursor(cursor);
      const doing = `could not read the feedback on pull request #${number} of ${where}`;
      const params = { owner, repo, pull_number: number, per_page: PER_PAGE };
      const [me, reviews, reviewComments, comments] = await Promise.all([
        whoAmI(),
        call(doing, () => octokit.paginate(octokit.rest.pulls.listReviews, params)),
        call(doing, () => octokit.paginate(octokit.rest.pulls.listReviewComments, params)),
        call(doing, () => octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: PER_PAGE })),
      ]);
      const listed: ForgeFeedback[] = [
        ...parsed(z.array(Review), reviews, 'review list').flatMap(reviewItem),
        ...parsed(z.array(ReviewComment), reviewComments, 'review comment list').map(reviewCommentItem),
        ...parsed(z.array(IssueComment), comments, 'comment list').map(commentItem),
      ];
      const next: Cursor = { v: 1, seen: { review: [], 'review-comment': [], comment: [] } };
      const items: ForgeFeedback[] = [];
      for (const item of listed) {
        const { kind, id } = itemId(item);
        next.seen[kind].push(id);
        const isNew = !seen.seen[kind].includes(id);
        if (isNew && item.author.toLowerCase() !== me.toLowerCase() && isFeedback(item)) items.push(item);
      }
      // What was seen and is gone now (deleted) need not be remembered: GitHub never reuses an id.
      for (const kind of KINDS) next.seen[kind].sort((a, b) => a - b);
      items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      return { items, cursor: JSON.stringify(next) } satisfies FeedbackPage;
    },

    async reply(number, item, body) {
      const doing = `could not reply to ${item.url} on ${where}`;
      if (item.kind === 'review-comment') {
        // GitHub takes replies to a thread's first comment only.
        const root = Number(item.thread ?? itemId(item).id);
        const { data } = await call(doing, () => octokit.rest.pulls.createReplyForReviewComment({ owner, repo, pull_number: number, comment_id: root, body }));
        const created = parsed(ReviewComment, data, 'review comment');
        return { id: `review-comment:${created.id}`, url: created.html_url };
      }
      const { data } = await call(doing, () => octokit.rest.issues.createComment({ owner, repo, issue_number: number, body }));
      const created = parsed(IssueComment, data, 'comment');
      return { id: `comment:${created.id}`, url: created.html_url };
    },
  };
}

function readCursor(cursor: string | null): Cursor {
  if (cursor === null) return { v: 1, seen: { review: [], 'review-comment': [], comment: [] } };
  let value: unknown;
  try {
    value = JSON.parse(cursor);
  } catch {
    value = undefined;
  }
  const result = Cursor.safeParse(value);
  if (!result.success) throw new ForgeError('the feedback cursor is not one feedbackSince returned');
  return result.data;
}

function itemId(item: ForgeFeedback): { kind: ForgeFeedbackKind; id: number } {
  const match = ITEM_ID.exec(item.id);
  if (!match || match[1] !== item.kind) throw new ForgeError(`${item.id} is not the id of a GitHub ${item.kind}`);
  return { kind: item.kind, id: Number(match[2]) };
}

// A deleted account's items show as GitHub shows them.
const login = (user: z.infer<typeof User>) => user?.login ?? 'ghost';

/** A review approving without a word is no feedback to act on; one requesting changes is, even without a summary. */
function isFeedback(item: ForgeFeedback): boolean {
  return item.kind !== 'review' || item.body.trim() !== '' || item.state === 'CHANGES_REQUESTED';
}

function reviewItem(review: z.infer<typeof Review>): ForgeFeedback[] {
  if (!review.submitted_at) return [];
  return [
    {
      id: `review:${review.id}`,
      kind: 'review',
      author: login(review.user),
      body: review.body ?? '',
      state: review.state,
      url: review.html_url,
      createdAt: review.submitted_at,
    },
  ];
}

function reviewCommentItem(comment: z.infer<typeof ReviewComment>): ForgeFeedback {
  return {
    id: `review-comment:${comment.id}`,
    kind: 'review-comment',
    author: login(comment.user),
    body: comment.body,
    path: comment.path,
    ...(typeof comment.line === 'number' ? { line: comment.line } : {}),
    thread: String(comment.in_reply_to_id ?? comment.id),
    url: comment.html_url,
    createdAt: comment.created_at,
  };
}

function commentItem(comment: z.infer<typeof IssueComment>): ForgeFeedback {
  return {
    id: `comment:${comment.id}`,
    kind: 'comment',
    author: login(comment.user),
    body: comment.body ?? '',
    url: comment.html_url,
    createdAt: comment.created_at,
  };
}

interface FailureContext {
  forge: ForgeConfig;
  owner: string;
  repo: string;
  timeoutMs: number;
  /** false: the request was not about the repo (whose token is it), so a 404 says nothing about the repo. */
  aboutRepo: boolean;
}

/** What went wrong with an octokit request (an HttpError: status, and the response when there was one). */
function describeFailure(error: Error, { forge, owner, repo, timeoutMs, aboutRepo }: FailureContext): { message: string; status?: number } {
  const { status, response, cause } = error as Error & { status?: number; response?: { data?: unknown }; cause?: unknown };
  if (response === undefined) {
    // No answer: octokit reports a failed fetch as status 500 without a response.
    if (cause instanceof Error && cause.name === 'TimeoutError') return { message: `${forge.apiUrl} did not answer within ${timeoutMs / 1000} s` };
    return { message: `${forge.apiUrl} cannot be reached (${errorMessage(error)})` };
  }
  const said = apiMessage(response.data);
  if (status === 401) return { status, message: `the token in ${forge.tokenFile} was refused by ${forge.apiUrl} (HTTP 401${said ? `: ${said}` : ''})` };
  if (status === 404 && aboutRepo) return { status, message: `no repo ${owner}/${repo} on ${forge.apiUrl} or the token cannot see it (HTTP 404)` };
  return { status, message: `${said || 'no reason given'} (HTTP ${status} from ${forge.apiUrl})` };
}

/** GitHub's words: its message and the details of a 422 ("Validation Failed: A pull request already exists for acme:x."). */
function apiMessage(data: unknown): string {
  const body = ErrorBody.safeParse(data);
  if (!body.success) return typeof data === 'string' ? data.slice(0, 500) : '';
  const details = (body.data.errors ?? []).map((detail) =>
    typeof detail === 'string' ? detail : (detail.message ?? [detail.field, detail.code].filter(Boolean).join(' is ')),
  );
  return [body.data.message, details.filter(Boolean).join('; ')].filter(Boolean).join(': ');
}
