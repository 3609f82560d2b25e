import { lazy, Suspense, useMemo } from 'react';
import { planDiff } from '../../../../common/plan/planDiff';
import type { InboxDetail } from '../../../../common/protocol/runs';
import { graphFromPlan } from '../../graph/planGraph';
import { Markdown } from './Markdown';

const PlanGraph = lazy(() => import('../../graph/PlanGraph'));

type PlanDetail = Extract<InboxDetail, { kind: 'plan' }>;

const MARK = { added: '+', removed: '−', changed: '~' } as const;

function Changes({ detail }: { detail: PlanDetail }) {
  const previous = detail.previous;
  const changes = useMemo(() => (previous ? planDiff(previous.plan, detail.version.plan) : []), [previous, detail.version.plan]);
  if (!previous) return <p className="muted">The first version: nothing to compare with.</p>;
  return (
    <>
      {previous.feedback && (
        <blockquote className="feedback-quote">
          <span className="muted">{previous.decidedBy ?? 'A reviewer'} on v{previous.version}:</span> {previous.feedback}
        </blockquote>
      )}
      {changes.length === 0 ? (
        <p className="muted">No changes to v{previous.version}.</p>
      ) : (
        <ul className="change-list" aria-label={`Changes since v${previous.version}`}>
          {changes.map((change) => (
            <li key={`${change.path}:${change.kind}:${change.text}`} className={`change change-${change.kind}`}>
              <span className="change-mark" aria-label={change.kind}>
                {MARK[change.kind]}
              </span>{' '}
              {change.text}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** A plan under review: as the migration plan it reads like, what changed since the version before, and as a graph. */
export function PlanReview({ detail }: { detail: PlanDetail }) {
  const phases = useMemo(() => graphFromPlan(detail.version.plan), [detail.version.plan]);
  const { version } = detail;
  return (
    <div className="plan-review">
      <div className="plan-review-text">
        <Markdown source={detail.markdown} label={`Plan v${version.version}`} />
      </div>
      <div className="plan-review-side">
        <section className="review-section" aria-labelledby="plan-graph-title">
          <h2 id="plan-graph-title">Plan graph</h2>
          <div className="graph-frame">
            <Suspense fallback={<p className="graph-pending">Loading the graph…</p>}>
              <PlanGraph phases={phases} label={`The steps of plan v${version.version} by phase`} />
            </Suspense>
          </div>
        </section>
        <section className="review-section" aria-labelledby="plan-changes-title">
          <h2 id="plan-changes-title">{detail.previous ? `Changes since v${detail.previous.version}` : 'Changes'}</h2>
          <Changes detail={detail} />
        </section>
        <p className="muted">
          v{version.version} by {version.author}
          {version.note ? ` — ${version.note}` : ''} · sha256 <code>{version.hash.slice(0, 12)}</code>
        </p>
      </div>
    </div>
  );
}
