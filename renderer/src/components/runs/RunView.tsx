import '../../planEdit.css';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import type { RunDetail } from '../../../../common/app/runs';
import type { RunAgentCost } from '../../../../common/protocol/runRecord';
import type { RunInfo } from '../../../../common/protocol/runs';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { graphFromPlan, graphFromSteps, type GraphStep } from '../../graph/planGraph';
import { formatAgo, useNow } from '../../lib/age';
import { KIND_LABELS, openItem } from '../../lib/inboxActions';
import { openAgentByName, openStepAgent } from '../../lib/runActions';
import { useStore } from '../../store/store';
import { PlanVersions } from './PlanVersions';
import { CostContext, RunCostTotal, StepCost, type CostSource } from './RunCost';
import { RunControls } from './RunControls';
import { RunStateBadge, StepStateBadge } from './StateBadge';

const PlanGraph = lazy(() => import('../../graph/PlanGraph'));

type Loaded = { state: 'loading' } | { state: 'failed'; error: string } | { state: 'shown'; detail: RunDetail };

function StepTable({ host, run }: { host: string; run: RunInfo }) {
  if (run.steps.length === 0) return null;
  return (
    <table className="steps-table">
      <caption className="muted">Steps</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Phase</th>
          <th scope="col">State</th>
          <th scope="col">Agent</th>
          <th scope="col">Cost</th>
        </tr>
      </thead>
      <tbody>
        {run.steps.map((step) => (
          <tr key={step.id} data-step={step.id}>
            <td>
              <code>{step.id}</code> {step.title}
            </td>
            <td>{step.phase}</td>
            <td>
              <StepStateBadge state={step.state} />
            </td>
            <td>
              {step.agent ? (
                <button type="button" className="link" onClick={() => openStepAgent(host, step.agent!)}>
                  {step.agent}
                </button>
              ) : (
                <span className="muted">–</span>
              )}
            </td>
            <td>
              <StepCost agent={step.agent} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const NO_COSTS: ReadonlyMap<string, RunAgentCost> = new Map();

/**
 * What the run's agents used, for those the host's live list lacks (removed, or the host is away): from the run's
 * record, asked for only then, and again when another one goes missing.
 */
function useRecordedCosts(host: string, id: string, agents: readonly string[]): ReadonlyMap<string, RunAgentCost> {
  // A string, so the view repaints when the set of missing agents changes, not on every agent's update.
  const missing = useStore((state) => agents.filter((name) => !state.hosts[host]?.agents?.some((agent) => agent.name === name)).join(' '));
  const [recorded, setRecorded] = useState(NO_COSTS);
  useEffect(() => {
    if (!missing) return;
    let current = true;
    client()
      .request('runs.record', { host, run: id })
      .then(
        ({ record }) => current && setRecorded(new Map(record.agents.map((agent) => [agent.agent, agent]))),
        // The costs are a detail of the view: without the record, agents the host lost show none.
        () => undefined,
      );
    return () => {
      current = false;
    };
  }, [host, id, missing]);
  return recorded;
}

/** One run: its state, cost and controls, what waits on the human, and the plan as a graph whose steps update live. */
export function RunView({ host, id }: { host: string; id: string }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const entry = useStore((state) => state.runs.entries?.find((candidate) => candidate.host === host && candidate.run.id === id));
  const inbox = useStore((state) => state.inbox.entries);
  const waiting = useMemo(() => (inbox ?? []).filter((item) => item.host === host && item.run === id), [inbox, host, id]);
  const showView = useStore((state) => state.showView);
  const beside = useStore((state) => state.terminalsBeside);
  const setBeside = useStore((state) => state.setTerminalsBeside);
  const now = useNow();
  const planVersion = entry?.run.planVersion;
  const approvedVersion = entry?.run.approvedVersion;
  // The plan's text comes with run.show; fetched again when a new version is submitted or approved.
  useEffect(() => {
    let current = true;
    client()
      .request('runs.show', { host, run: id })
      .then(
        (detail) => current && setLoaded({ state: 'shown', detail }),
        (error: unknown) => current && setLoaded({ state: 'failed', error: errorMessage(error) }),
      );
    return () => {
      current = false;
    };
  }, [host, id, planVersion, approvedVersion]);

  const detail = loaded.state === 'shown' ? loaded.detail : null;
  const run = entry && !entry.stale ? entry.run : (detail?.run ?? entry?.run);
  const stale = entry?.stale ?? detail?.stale ?? null;
  const plan = detail && run ? (detail.plans.find((version) => version.version === (run.approvedVersion ?? run.planVersion)) ?? detail.plans.at(-1)) : undefined;
  const phases = useMemo(() => (plan ? graphFromPlan(plan.plan, run?.steps) : run ? graphFromSteps(run.steps) : []), [plan, run]);
  const openStep = useCallback((step: GraphStep) => step.agent && openStepAgent(host, step.agent), [host]);
  const agentNames = useMemo(() => (run ? [run.planner, ...run.steps.map((step) => step.agent)].filter((name): name is string => name !== null) : []), [run]);
  const recorded = useRecordedCosts(host, id, agentNames);
  const costs = useMemo<CostSource>(() => ({ host, recorded }), [host, recorded]);
  const hostState = useStore((state) => state.hosts[host]?.state);
  const offline = stale || hostState !== 'connected' ? `${host} is not connected: the run cannot be controlled now` : null;
  const [showVersions, setShowVersions] = useState(false);

  return (
    <section className="view run-view" aria-labelledby="run-title" data-run={id} data-state={run?.state}>
      <header className="view-header">
        <button type="button" className="back-button" onClick={() => showView({ kind: 'runs' })}>
          ← Runs
        </button>
        <h1 id="run-title">
          <span className="muted">{host} / </span>
          {id}
        </h1>
        {run && <RunStateBadge state={run.state} />}
        {run && <RunCostTotal source={costs} agents={agentNames} />}
        <div className="push-right run-header-actions">
          {beside && (
            <button type="button" className="ghost-button" onClick={() => setBeside(false)}>
              Hide terminals
            </button>
          )}
          {run && <RunControls host={host} run={run} offline={offline} />}
        </div>
      </header>
      {run && (
        <p className="item-meta">
          {run.runbook.name}@{run.runbook.version} on {run.repo} · started {formatAgo(now - run.createdAt)} by {run.startedBy}
          {run.steps.length > 0 && ` · ${run.steps.filter((step) => step.state === 'done').length}/${run.steps.length} steps done`}
          {run.reason && <> · {run.reason}</>}
        </p>
      )}
      {stale && (
        <p className="notice warn" role="status">
          {host} did not answer ({stale.error}): this is the run as mirrored {formatAgo(now - stale.mirroredAt)}.
        </p>
      )}
      {loaded.state === 'failed' && !run && (
        <p className="notice danger" role="alert">
          Could not load {host}/{id}: {loaded.error}
        </p>
      )}
      {waiting.length > 0 && (
        <ul className="run-waiting" aria-label="Waiting on you in this run">
          {waiting.map((item) => (
            <li key={item.id}>
              <button type="button" className="waiting-item" onClick={() => openItem(host, item.id)}>
                <span className="waiting-who">
                  {KIND_LABELS[item.kind]}
                  {item.step && <span className="muted"> · {item.step}</span>}
                </span>
                <span className="waiting-what">{item.summary}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="run-body">
        {phases.length > 0 ? (
          <div className="graph-frame graph-frame-run">
            <Suspense fallback={<p className="graph-pending">Loading the graph…</p>}>
              <PlanGraph phases={phases} onOpenStep={openStep} costs={costs} label={`The steps of ${id} by phase, with their states and costs`} />
            </Suspense>
          </div>
        ) : (
          run && (
            <div className="view-empty">
              <h2>{run.state === 'planning' ? 'The planner is writing the plan' : 'No plan'}</h2>
              {run.planner && run.state === 'planning' && (
                <button type="button" onClick={() => openAgentByName(host, run.planner!)}>
                  Watch {run.planner}
                </button>
              )}
            </div>
          )
        )}
        {loaded.state === 'loading' && !run && <p className="muted loading-line">Loading {id}…</p>}
        <CostContext.Provider value={costs}>{run && <StepTable host={host} run={run} />}</CostContext.Provider>
        {detail && detail.plans.length > 1 && (
          <div className="run-versions">
            <button type="button" className="ghost-button" aria-expanded={showVersions} data-testid="run-plan-versions" onClick={() => setShowVersions(!showVersions)}>
              <span aria-hidden="true">{showVersions ? '▾' : '▸'}</span> Plan versions ({detail.plans.length})
            </button>
            {showVersions && <PlanVersions versions={detail.plans} />}
          </div>
        )}
      </div>
    </section>
  );
}
