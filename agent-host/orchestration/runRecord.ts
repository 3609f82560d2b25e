import { z } from 'zod';
import type { AgentInfo } from '../../common/protocol/agents';
import type { RunLearning } from '../../common/protocol/learnings';
import type { RunAgentCost, RunRecord, RunRecordItem, RunStepRecord } from '../../common/protocol/runRecord';
import { runInfo } from './runInfo';
import type { RunItem, RunItems } from './runItems';
import type { RunStore } from './runStore';

export interface RunRecordSources {
  store: RunStore;
  items: RunItems;
  agent(name: string): AgentInfo | undefined;
  /** The repo's URL without credentials ('' when the repo was removed from the host). */
  repoUrl(repo: string): string;
  /** What people accepted of the run's retrospectives (learningStore.ts); none when absent. */
  learnings?(run: string): RunLearning[];
}

const CheckpointDetail = z
  .object({
    tests_run: z.array(z.unknown()).catch([]),
    // The diff's files (stepGit.ts StepReview); an escalation has none.
    files: z.array(z.unknown()).catch([]),
  })
  .catch({ tests_run: [], files: [] });
const DiffFileCount = z.object({ path: z.string(), additions: z.number().int(), deletions: z.number().int() });

/**
 * One run as it goes into the repository (common/protocol/runRecord.ts): everything the host keeps about it. Throws
 * RunNotFound like run.show; an item whose detail lacks tests or files (an escalation) has none.
 */
export function buildRunRecord(id: string, sources: RunRecordSources): RunRecord {
  const { store } = sources;
  const stored = store.get(id);
  const run = runInfo(stored, store, sources.items, sources.agent);
  const planOrder = new Map(run.steps.map((step, index) => [step.id, index]));
  const position = (step: string) => planOrder.get(step) ?? planOrder.size;
  const steps: RunStepRecord[] = store
    .steps(id)
    .sort((a, b) => position(a.step) - position(b.step))
    .map((step) => ({ id: step.step, summary: step.summary, baseCommit: step.baseCommit, restarts: step.restarts }));
  const runAgents = [
    ...(stored.planner ? [{ name: stored.planner, role: 'planner', step: null }] : []),
    ...run.steps.flatMap((step) => (step.agent ? [{ name: step.agent, role: step.role, step: step.id }] : [])),
  ];
  return {
    run,
    repoUrl: sources.repoUrl(stored.repo),
    runbookText: stored.runbookText,
    plans: store.plans(id),
    prompts: store.prompts(id),
    steps,
    items: sources.items.all(id).map(recordItem),
    // An agent the host no longer has (removed) has no usage left to report.
    agents: runAgents.flatMap(({ name, role, step }) => {
      const agent = sources.agent(name);
      return agent ? [agentCost(agent, role, step)] : [];
    }),
    learnings: sources.learnings?.(id) ?? [],
  };
}

function agentCost(agent: AgentInfo, role: string, step: string | null): RunAgentCost {
  return { agent: agent.name, role, step, model: agent.model, usage: agent.usage, costUsd: agent.costUsd, turns: agent.turns };
}

function recordItem(item: RunItem): RunRecordItem {
  const detail = CheckpointDetail.parse(item.detail);
  return {
    id: item.id,
    kind: item.kind,
    origin: item.origin,
    step: item.step,
    phase: item.phase,
    agent: item.agent,
    summary: item.summary,
    status: item.status,
    decision: item.decision,
    decidedBy: item.decidedBy,
    approvals: item.approvals,
    createdAt: item.createdAt,
    decidedAt: item.decidedAt,
    testsRun: detail.tests_run.filter((test): test is string => typeof test === 'string'),
    files: detail.files.flatMap((file) => {
      const counted = DiffFileCount.safeParse(file);
      return counted.success ? [{ path: counted.data.path, added: counted.data.additions, removed: counted.data.deletions }] : [];
    }),
  };
}
