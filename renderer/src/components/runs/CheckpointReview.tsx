import { lazy, Suspense, useMemo } from 'react';
import { checkpointReview, PROTECTED_PATH_APPROVALS, type CheckpointReview as Review } from '../../../../common/app/checkpoint';
import { diffFileAnchor } from './diffAnchor';

const DiffViewer = lazy(() => import('./DiffViewer'));

function Secrets({ review }: { review: Review }) {
  if (review.secrets.length === 0) {
    return (
      <p className="check-ok">
        <span aria-hidden="true">✓</span> The secret scan found nothing on added lines.
      </p>
    );
  }
  return (
    <div className="notice danger" role="alert">
      <strong>
        The secret scan found {review.secrets.length} {review.secrets.length === 1 ? 'secret' : 'secrets'} on added lines
      </strong>
      <ul className="finding-list">
        {review.secrets.map((finding) => (
          <li key={`${finding.file}:${finding.line}:${finding.rule}`}>
            <code>
              {finding.file}:{finding.line}
            </code>{' '}
            {finding.description} <span className="muted">({finding.rule})</span>
            <pre className="finding-excerpt">{finding.excerpt}</pre>
          </li>
        ))}
      </ul>
    </div>
  );
}

function ProtectedPaths({ review, approvals }: { review: Review; approvals: string[] | null }) {
  if (review.protected_paths.length === 0) return null;
  const given = approvals ?? [];
  const missing = PROTECTED_PATH_APPROVALS - given.length;
  return (
    <div className="notice warn" data-testid="protected-paths">
      <strong>Touches protected paths: {PROTECTED_PATH_APPROVALS} different people must approve</strong>
      <ul className="finding-list">
        {review.protected_paths.map((entry) => (
          <li key={entry.path}>
            <code>{entry.path}</code> <span className="muted">(rule {entry.rule})</span>
          </li>
        ))}
      </ul>
      <p>
        {approvals === null
          ? 'Who approved so far is not known (the host did not say).'
          : given.length === 0
            ? 'Nobody has approved yet.'
            : `Approved by ${given.join(', ')}.`}{' '}
        {missing > 0 && given.length > 0 && 'A second reviewer is needed.'}
      </p>
    </div>
  );
}

function ChangedFiles({ review }: { review: Review }) {
  if (review.files.length === 0) return null;
  return (
    <ul className="file-list" aria-label="Changed files">
      {review.files.map((file, index) => (
        <li key={file.path}>
          <a
            href={`#${diffFileAnchor(index)}`}
            onClick={(event) => {
              event.preventDefault();
              document.getElementById(diffFileAnchor(index))?.scrollIntoView({ block: 'start' });
            }}
          >
            <code>{file.oldPath ? `${file.oldPath} → ${file.path}` : file.path}</code>
          </a>
          <span className="diff-counts">
            <span className="diff-added">+{file.additions}</span> <span className="diff-removed">−{file.deletions}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** A run's checkpoint: what was done, what was tested, what the scans found, and the diff itself. */
export function CheckpointReview({ input, approvals }: { input: Record<string, unknown>; approvals: string[] | null }) {
  const review = useMemo(() => checkpointReview(input), [input]);
  return (
    <div className="checkpoint-review">
      <section className="review-section" aria-labelledby="cp-summary">
        <h2 id="cp-summary">Summary</h2>
        <p className="summary-text">{review.summary || 'No summary given.'}</p>
        {review.notes && <p className="summary-text muted">{review.notes}</p>}
        {review.steps.length > 0 && (
          <ul className="plain-list">
            {review.steps.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        )}
        {review.base && review.head && (
          <p className="muted">
            Changes from <code>{review.base.slice(0, 12)}</code> to <code>{review.head.slice(0, 12)}</code>
          </p>
        )}
      </section>
      <div className="review-columns">
        <section className="review-section" aria-labelledby="cp-tests">
          <h2 id="cp-tests">Tests run</h2>
          {review.tests_run.length > 0 ? (
            <ul className="plain-list">
              {review.tests_run.map((command) => (
                <li key={command}>
                  <code>{command}</code>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">None claimed.</p>
          )}
        </section>
        <section className="review-section" aria-labelledby="cp-scan">
          <h2 id="cp-scan">Secret scan and protected paths</h2>
          <Secrets review={review} />
          <ProtectedPaths review={review} approvals={approvals} />
        </section>
      </div>
      <section className="review-section" aria-labelledby="cp-diff">
        <h2 id="cp-diff">
          Diff <span className="muted">({review.files.length} {review.files.length === 1 ? 'file' : 'files'})</span>
        </h2>
        {review.diff.trim() || review.files.length > 0 ? (
          <>
            <ChangedFiles review={review} />
            <Suspense fallback={<p className="muted">Loading the diff viewer…</p>}>
              <DiffViewer diff={review.diff} truncated={review.truncated} />
            </Suspense>
          </>
        ) : (
          <p className="muted">No diff came with this checkpoint (an agent&apos;s own, outside a run&apos;s steps): its terminal shows what it did.</p>
        )}
      </section>
    </div>
  );
}
