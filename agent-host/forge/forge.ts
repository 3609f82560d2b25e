/**
 * What the host does on a forge at the end of a run, whatever the forge: open the run's pull request (or find the one
 * an earlier attempt opened), collect the feedback people leave on it, and answer it. github.ts implements it for
 * GitHub and GitHub Enterprise Server; GitLab and Gitea are meant to follow behind the same interface.
 */

export interface PullRequest {
  number: number;
  /** The page people open. */
  url: string;
}

export interface OpenPullRequestOptions {
  /** The branch with the changes, on the same repo. */
  head: string;
  /** The branch they should go into. */
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

/** review: a review's summary; review-comment: a comment on a line of the diff; comment: one in the conversation. */
export type ForgeFeedbackKind = 'review' | 'review-comment' | 'comment';

export interface ForgeFeedback {
  /** The provider's, unique within a pull request across kinds; pass the item back to reply to it. */
  id: string;
  kind: ForgeFeedbackKind;
  /** The author's login. */
  author: string;
  /** May be '' for a review that requests changes without a summary. */
  body: string;
  /** A review's verdict as the forge names it (CHANGES_REQUESTED, COMMENTED, APPROVED); reviews only. */
  state?: string;
  /** The file and line a review comment is on (no line when the diff moved under it). */
  path?: string;
  line?: number;
  /** A review comment's thread: where a reply to it goes. */
  thread?: string;
  url: string;
  /** ISO 8601: when it was posted (a review: submitted). */
  createdAt: string;
}

export interface FeedbackPage {
  /** New since the cursor, oldest first; never the items the host itself posted. */
  items: ForgeFeedback[];
  /** Opaque: pass it to the next call. */
  cursor: string;
}

export interface ForgeProvider {
  /** Opens a pull request of head into base; throws ForgeError (for one that exists already: the forge's words). */
  openPullRequest(options: OpenPullRequestOptions): Promise<PullRequest>;
  /** The open pull request of head, so a retry after a crash finds the one it opened instead of opening another. */
  findOpenPullRequest(head: string): Promise<PullRequest | null>;
  /**
   * Feedback on pull request `number` not seen before `cursor` (null: all of it): reviews with a summary or that
   * request changes, review comments and conversation comments, by anyone but the host's own user.
   */
  feedbackSince(number: number, cursor: string | null): Promise<FeedbackPage>;
  /** Answers an item: a review comment in its thread, anything else with a comment on the pull request. */
  reply(number: number, item: ForgeFeedback, body: string): Promise<{ id: string; url: string }>;
}

/**
 * A forge refused or failed a request. The message names the forge, the repo and the HTTP status, says what to do
 * where it can, and never holds the token.
 */
export class ForgeError extends Error {
  override readonly name = 'ForgeError';
  constructor(
    message: string,
    /** The HTTP status; undefined when the forge could not be reached or did not answer in time. */
    readonly status?: number,
  ) {
    super(message);
  }
}
