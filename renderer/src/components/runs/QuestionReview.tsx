import type { PendingKind } from '../../../../common/protocol/agents';
import type { ApprovalInfo } from '../../../../common/protocol/governance';

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value : null);

/** What an agent (or the coordinator) asks: the question or problem, its context; the answers are in the decision bar. */
export function QuestionReview({ request, input, summary }: { request: PendingKind; input: Record<string, unknown>; summary: string }) {
  const problem = text(input.problem) ?? text(input.question) ?? text(input.text) ?? summary;
  const context = text(input.context);
  return (
    <div className="question-review">
      <section className="review-section" aria-labelledby="q-problem">
        <h2 id="q-problem">{request === 'escalate' ? 'Problem' : 'Question'}</h2>
        <blockquote className="agent-question-full">{problem}</blockquote>
      </section>
      {context && (
        <section className="review-section" aria-labelledby="q-context">
          <h2 id="q-context">Context</h2>
          <pre className="context-text">{context}</pre>
        </section>
      )}
    </div>
  );
}

/** A command the host's policy holds until a person allows it. */
export function ApprovalReview({ approval }: { approval: ApprovalInfo }) {
  return (
    <section className="review-section" aria-labelledby="ap-command">
      <h2 id="ap-command">Command held for approval</h2>
      <pre className="context-text">{approval.command}</pre>
      <dl className="facts">
        <dt>Tool</dt>
        <dd>{approval.tool}</dd>
        <dt>Rule</dt>
        <dd>
          {approval.rule} <span className="muted">({approval.source})</span>
        </dd>
      </dl>
    </section>
  );
}
