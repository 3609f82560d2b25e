import './inboxItems.css';
import type { InboxDetail, ReviewComment } from '../../../../common/protocol/runs';
import { Markdown } from './Markdown';

type ReviewDetail = Extract<InboxDetail, { kind: 'review' }>;

const KIND: Record<ReviewComment['kind'], string> = { review: 'review', 'review-comment': 'on a line', comment: 'in the conversation' };

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function Comment({ comment }: { comment: ReviewComment }) {
  return (
    <li className="review-comment" data-comment={comment.id}>
      <header className="review-comment-head">
        <strong>{comment.author}</strong>
        <span className="muted">
          {KIND[comment.kind]} · <time dateTime={comment.createdAt}>{when(comment.createdAt)}</time>
        </span>
        {comment.path && (
          <code className="review-comment-where">
            {comment.path}
            {comment.line === null ? '' : `:${comment.line}`}
          </code>
        )}
        <a className="push-right" href={comment.url} target="_blank" rel="noopener noreferrer">
          Open on the forge<span className="visually-hidden"> (comment by {comment.author})</span>
        </a>
      </header>
      <blockquote className="review-comment-body">
        {comment.body.trim() ? <Markdown source={comment.body} label={`Comment by ${comment.author}`} /> : <p className="muted">(no text)</p>}
      </blockquote>
      {comment.replyUrl && (
        <p className="muted review-comment-reply">
          Answered after the rework:{' '}
          <a href={comment.replyUrl} target="_blank" rel="noopener noreferrer">
            the reply
          </a>
        </p>
      )}
    </li>
  );
}

/** A round of review feedback on a run's pull request: every comment, and what each decision will do. */
export function ReviewFeedback({ detail, agent }: { detail: ReviewDetail; agent: string | null }) {
  const { pullRequest, comments } = detail;
  const title = pullRequest.number ? `PR #${pullRequest.number}` : `branch ${pullRequest.branch}`;
  return (
    <div className="review-feedback">
      <section className="review-section" aria-labelledby="rv-comments">
        <h2 id="rv-comments">Review comments</h2>
        <p className="muted review-meta">
          {comments.length} {comments.length === 1 ? 'comment' : 'comments'} on{' '}
          {pullRequest.url ? (
            <a href={pullRequest.url} target="_blank" rel="noopener noreferrer">
              {title}
            </a>
          ) : (
            title
          )}
          , branch <code>{pullRequest.branch}</code>
          {detail.round > 1 && `, round ${detail.round}`}
        </p>
        {comments.length > 0 ? (
          <ul className="review-comments">
            {comments.map((comment) => (
              <Comment key={comment.id} comment={comment} />
            ))}
          </ul>
        ) : (
          <p className="muted">The forge lists no comments for this round any more (deleted since).</p>
        )}
      </section>
      <section className="review-section" aria-labelledby="rv-decide">
        <h2 id="rv-decide">What deciding does</h2>
        <dl className="facts">
          <dt>Approve</dt>
          <dd>
            Starts the rework: {agent ?? "the run's agent"} changes the run&apos;s branch to answer these comments, the host pushes it to
            the pull request and replies to each comment. A failed rework comes back here to approve again.
          </dd>
          <dt>Reject with feedback</dt>
          <dd>Dismisses this round: nothing is changed or pushed; your feedback says why, in the run&apos;s audit.</dd>
        </dl>
      </section>
    </div>
  );
}
