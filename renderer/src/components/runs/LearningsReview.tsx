import './inboxItems.css';
import { useEffect, useId, useMemo, useState } from 'react';
import type { InboxDetail } from '../../../../common/protocol/runs';
import type { LearningAppliesTo } from '../../../../common/protocol/learnings';
import { LearningsListError, parseLearningsMarkdown } from '../../../../common/learnings/learningsMarkdown';
import type { ApproveWith } from '../../lib/inboxActions';
import { useStore } from '../../store/store';

type LearningsDetail = Extract<InboxDetail, { kind: 'learnings' }>;

const WHERE: Record<LearningAppliesTo, (runbook: string | undefined) => string> = {
  runbook: (runbook) => `into ${runbook ? `runbook ${runbook}'s` : "the runbook's"} ## Learnings`,
  repo: () => "into the repo's .flightdeck/context/learnings.md",
};

/** The problems of an edited list, each naming its line; none when it reads back. */
function problemsOf(text: string): { count: number; problems: string[] } {
  try {
    return { count: parseLearningsMarkdown(text).length, problems: [] };
  } catch (error) {
    return { count: 0, problems: error instanceof LearningsListError ? error.problems : [String(error)] };
  }
}

/**
 * A retrospective's proposed learnings: each with where it goes and what taught it, then the list itself to edit
 * (the very text `flightdeck show` prints); approve accepts the list as edited, checked line by line before sending.
 */
export function LearningsReview({ host, detail, onApproveWith }: { host: string; detail: LearningsDetail; onApproveWith(approve: ApproveWith): void }) {
  const editorId = useId();
  const [text, setText] = useState(detail.markdown);
  const runbook = useStore((state) => state.runs.entries?.find((entry) => entry.host === host && entry.run.id === detail.run)?.run.runbook.name);
  const edited = text !== detail.markdown;
  const { count, problems } = useMemo(() => problemsOf(text), [text]);
  useEffect(() => {
    if (problems.length > 0) onApproveWith({ blocked: `The edited list cannot be used: ${problems[0]}` });
    else onApproveWith(edited ? { text } : {});
  }, [text, edited, problems, onApproveWith]);

  return (
    <div className="learnings-review">
      <section className="review-section" aria-labelledby="ln-proposed">
        <h2 id="ln-proposed">Proposed learnings</h2>
        <p className="muted learning-help">
          By the retrospective of run {detail.run}
          {detail.round > 1 && ` (round ${detail.round}, after review rework)`}: what the run taught, for the runs after it.
        </p>
        <ol className="learning-list">
          {detail.proposals.map((proposal, index) => (
            <li key={`${index}:${proposal.text}`} className="learning" data-applies-to={proposal.applies_to}>
              <span className={`scope scope-${proposal.applies_to}`} title={`Goes ${WHERE[proposal.applies_to](runbook)}`}>
                {proposal.applies_to}
              </span>
              <div className="learning-body">
                <p className="learning-text">{proposal.text}</p>
                {proposal.evidence?.trim() && (
                  <p className="learning-evidence">
                    <span className="muted">Evidence:</span> {proposal.evidence}
                  </p>
                )}
              </div>
            </li>
          ))}
        </ol>
      </section>
      <section className="review-section" aria-labelledby="ln-edit">
        <h2 id="ln-edit">
          <label htmlFor={editorId}>The list to accept</label>
        </h2>
        <p className="muted learning-help">
          One learning per line: <code>- [runbook] text</code> goes {WHERE.runbook(runbook)}, <code>- [repo] text</code> {WHERE.repo(runbook)}.
          Edit, remove or add lines; comments are ignored.
        </p>
        <textarea
          id={editorId}
          className="learning-editor"
          name="learnings"
          value={text}
          spellCheck
          rows={Math.min(18, text.split('\n').length + 1)}
          aria-invalid={problems.length > 0}
          aria-describedby={`${editorId}-status`}
          onChange={(event) => setText(event.target.value)}
        />
        <div id={`${editorId}-status`} className="learning-status">
          {problems.length > 0 ? (
            <ul className="notice danger finding-list" role="alert" aria-label="Problems in the edited list">
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          ) : (
            <p className="muted" role="status">
              {count === 0
                ? 'The list is empty: approving accepts none of them (rejecting with feedback says why not).'
                : `Approve accepts ${count} ${count === 1 ? 'learning' : 'learnings'}${edited ? ', as edited' : ', as proposed'}.`}
            </p>
          )}
          {edited && (
            <button type="button" className="ghost-button" onClick={() => setText(detail.markdown)}>
              Undo my edits
            </button>
          )}
        </div>
      </section>
    </div>
  );
}
