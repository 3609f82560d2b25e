import '../../planEdit.css';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { planDiff } from '../../../../common/plan/planDiff';
import { stepRoleNames } from '../../../../common/plan/planRules';
import type { InboxDetail, PlanVersionInfo, RunInfo } from '../../../../common/protocol/runs';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { graphFromPlan } from '../../graph/planGraph';
import type { ApproveWith } from '../../lib/inboxActions';
import { useViewKeys } from '../../lib/viewKeys';
import { useStore } from '../../store/store';
import { Markdown } from './Markdown';
import { PlanEditor } from './PlanEditor';
import { PlanVersions } from './PlanVersions';

const PlanGraph = lazy(() => import('../../graph/PlanGraph'));

type PlanDetail = Extract<InboxDetail, { kind: 'plan' }>;
type Mode = 'read' | 'edit' | 'versions';

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

function Reading({ detail }: { detail: PlanDetail }) {
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

/** The roles a step may have: the runbook's, when the host's copy is the very file the run started from; else null. */
function useStepRoles(host: string | null, run: RunInfo, wanted: boolean): readonly string[] | null {
  const [roles, setRoles] = useState<readonly string[] | null>(null);
  useEffect(() => {
    if (!host || !wanted) return;
    let current = true;
    client()
      .request('runbooks.list', { host, repo: run.repo })
      .then(({ runbooks }) => {
        const same = runbooks.find((runbook) => runbook.name === run.runbook.name && runbook.hash === run.runbook.hash);
        if (current) setRoles(same ? stepRoleNames(Object.keys(same.roles)) : null);
      })
      // Unknown roles leave a text field, and the host's check on save.
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [host, run.repo, run.runbook.name, run.runbook.hash, wanted]);
  return roles;
}

type Versions = { state: 'loading' } | { state: 'failed'; error: string } | { state: 'shown'; plans: PlanVersionInfo[] };

function VersionsPanel({ host, run }: { host: string; run: string }) {
  const [versions, setVersions] = useState<Versions>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    client()
      .request('runs.show', { host, run })
      .then(
        (detail) => current && setVersions({ state: 'shown', plans: detail.plans }),
        (error: unknown) => current && setVersions({ state: 'failed', error: errorMessage(error) }),
      );
    return () => {
      current = false;
    };
  }, [host, run]);
  if (versions.state === 'loading') return <p className="muted loading-line">Loading the plan versions of {run}…</p>;
  if (versions.state === 'failed') {
    return (
      <p className="notice danger" role="alert">
        Could not load the plan versions of {host}/{run}: {versions.error}
      </p>
    );
  }
  return <PlanVersions versions={versions.plans} />;
}

interface Props {
  detail: PlanDetail;
  /** Given by the item view: approving waits while the plan is edited (what would be approved is not what is shown). */
  onApproveWith?: (approve: ApproveWith) => void;
}

/**
 * A plan under review: as the migration plan it reads like, what changed since the version before, and as a graph;
 * edited into a new version (e), or compared version by version. The item view shows one host's item: the host is
 * the one its view names.
 */
export function PlanReview({ detail, onApproveWith }: Props) {
  const host = useStore((state) => (state.view.kind === 'item' ? state.view.host : null));
  const [mode, setMode] = useState<Mode>('read');
  useEffect(() => onApproveWith?.(mode === 'edit' ? { blocked: 'Save the edit (Ctrl+S) or leave it (Esc) first' } : {}), [mode, onApproveWith]);
  const { run, version } = detail;
  const canEdit = host !== null && version.status === 'pending' && run.state === 'awaiting-approval';
  const whyNot = canEdit ? undefined : `Only the version awaiting approval can be edited (v${version.version} is ${version.status}; the run is ${run.state})`;
  const count = run.planVersion ?? version.version;
  const roles = useStepRoles(host, run, canEdit);
  useViewKeys((event) => {
    if (event.key !== 'e' || mode === 'edit' || !canEdit) return false;
    setMode('edit');
    return true;
  });

  if (mode === 'edit' && host) return <PlanEditor host={host} run={run} version={version} roles={roles} onLeave={() => setMode('read')} />;
  return (
    <>
      <div className="plan-modes" role="group" aria-label="Plan review mode">
        <button type="button" aria-pressed={mode === 'read'} onClick={() => setMode('read')}>
          Plan
        </button>
        <button type="button" data-testid="edit-plan" aria-pressed={false} disabled={!canEdit} title={whyNot ?? 'Edit the plan into a new version'} onClick={() => setMode('edit')}>
          Edit plan <kbd>e</kbd>
        </button>
        {count > 1 && (
          <button type="button" data-testid="plan-versions" aria-pressed={mode === 'versions'} onClick={() => setMode('versions')}>
            Versions ({count})
          </button>
        )}
        {whyNot && <span className="muted">{whyNot}.</span>}
      </div>
      {mode === 'versions' && host ? <VersionsPanel host={host} run={run.id} /> : <Reading detail={detail} />}
    </>
  );
}
