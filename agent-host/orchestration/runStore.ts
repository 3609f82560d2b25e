import { z } from 'zod';
import { Plan } from '../../common/protocol/plan';
import { PlanVersionInfo, RunPrompt, RunRunbook, RunState, StepState, type RunInfo } from '../../common/protocol/runs';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { Db } from '../journal/database';
import { PullRequestStore } from './pullRequestStore';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  runbook TEXT NOT NULL,
  -- The runbook file exactly as the run started from it: its hash is in runbook, this is what it hashed.
  runbook_text TEXT NOT NULL,
  repo TEXT NOT NULL,
  params TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT,
  base_commit TEXT NOT NULL,
  integration_branch TEXT NOT NULL,
  planner TEXT,
  started_by TEXT NOT NULL,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_versions (
  run TEXT NOT NULL,
  version INTEGER NOT NULL,
  plan TEXT NOT NULL,
  hash TEXT NOT NULL,
  author TEXT NOT NULL,
  note TEXT,
  status TEXT NOT NULL,
  decided_by TEXT,
  feedback TEXT,
  created_at REAL NOT NULL,
  PRIMARY KEY (run, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_steps (
  run TEXT NOT NULL,
  step TEXT NOT NULL,
  state TEXT NOT NULL,
  agent TEXT,
  branch TEXT,
  -- The integration branch's head the step's agent started from: its diff is against this.
  base_commit TEXT,
  -- What the step did, for the steps downstream (its last checkpoint's summary, or its last progress report).
  summary TEXT,
  -- Restarts after crashes (on_agent_crash: restart restarts once, then escalates).
  restarts INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run, step)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_prompts (
  seq INTEGER PRIMARY KEY,
  run TEXT NOT NULL,
  agent TEXT NOT NULL,
  role TEXT NOT NULL,
  step TEXT,
  prompt TEXT NOT NULL,
  at REAL NOT NULL
);
`;

/** A run as the host keeps it: what RunInfo shows (steps aside), plus the exact runbook text it started from. */
export interface RunRecord extends Omit<RunInfo, 'steps' | 'planVersion' | 'approvedVersion' | 'pullRequest'> {
  runbookText: string;
}

interface RunRow {
  id: string;
  runbook: string;
  runbook_text: string;
  repo: string;
  params: string;
  state: string;
  reason: string | null;
  base_commit: string;
  integration_branch: string;
  planner: string | null;
  started_by: string;
  created_at: number;
  updated_at: number;
}

interface PlanRow {
  version: number;
  plan: string;
  hash: string;
  author: string;
  note: string | null;
  status: string;
  decided_by: string | null;
  feedback: string | null;
  created_at: number;
}

export interface StepRecord {
  step: string;
  state: StepState;
  agent: string | null;
  branch: string | null;
  baseCommit: string | null;
  summary: string | null;
  restarts: number;
}

interface StepRow {
  step: string;
  state: string;
  agent: string | null;
  branch: string | null;
  base_commit: string | null;
  summary: string | null;
  restarts: number;
}

const Params = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** Runs, their plan versions (every one kept), step states and the prompts their agents got, in the host database. */
export class RunStore {
  private readonly pulls: PullRequestStore;

  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
    this.pulls = new PullRequestStore(db);
  }

  /** A done run's branch on origin and its pull request (pullRequests.ts keeps them). */
  pullRequest(run: string): RunInfo['pullRequest'] {
    return this.pulls.info(run);
  }

  list(): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC').all() as RunRow[]).map(fromRow);
  }

  find(id: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && fromRow(row);
  }

  get(id: string): RunRecord {
    const run = this.find(id);
    if (!run) throw new WireError(WireErrorCode.RunNotFound, `no run ${id} on this host`, { run: id });
    return run;
  }

  insert(run: RunRecord): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, runbook, runbook_text, repo, params, state, reason, base_commit, integration_branch, planner,
           started_by, created_at, updated_at)
         VALUES (@id, @runbook, @runbook_text, @repo, @params, @state, @reason, @base_commit, @integration_branch, @planner,
           @started_by, @created_at, @updated_at)`,
      )
      .run(toRow(run));
  }

  update(id: string, change: Partial<Pick<RunRecord, 'state' | 'reason' | 'planner'>>): RunRecord {
    const run = { ...this.get(id), ...change, updatedAt: Date.now() };
    this.db.prepare('UPDATE runs SET state = @state, reason = @reason, planner = @planner, updated_at = @updated_at WHERE id = @id').run(toRow(run));
    return run;
  }

  plans(run: string): PlanVersionInfo[] {
    const rows = this.db.prepare('SELECT * FROM plan_versions WHERE run = ? ORDER BY version').all(run) as PlanRow[];
    return rows.map((row) =>
      PlanVersionInfo.parse({
        version: row.version,
        plan: Plan.parse(JSON.parse(row.plan)),
        hash: row.hash,
        author: row.author,
        note: row.note,
        status: row.status,
        decidedBy: row.decided_by,
        feedback: row.feedback,
        createdAt: row.created_at,
      }),
    );
  }

  /** A new version; a version still pending is superseded by it (one plan awaits review at a time). */
  addPlan(run: string, plan: Plan, hash: string, author: string, note: string | null): PlanVersionInfo {
    const next = ((this.db.prepare('SELECT max(version) AS version FROM plan_versions WHERE run = ?').get(run) as { version: number | null }).version ?? 0) + 1;
    const add = this.db.transaction(() => {
      this.db.prepare("UPDATE plan_versions SET status = 'superseded' WHERE run = ? AND status = 'pending'").run(run);
      this.db
        .prepare(
          `INSERT INTO plan_versions (run, version, plan, hash, author, note, status, decided_by, feedback, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, ?)`,
        )
        .run(run, next, JSON.stringify(plan), hash, author, note, Date.now());
    });
    add();
    return this.plans(run).at(-1)!;
  }

  decidePlan(run: string, version: number, status: 'approved' | 'changes-requested', by: string, feedback: string | null): void {
    this.db.prepare('UPDATE plan_versions SET status = ?, decided_by = ?, feedback = ? WHERE run = ? AND version = ?').run(status, by, feedback, run, version);
  }

  steps(run: string): StepRecord[] {
    const rows = this.db.prepare('SELECT * FROM run_steps WHERE run = ?').all(run) as StepRow[];
    return rows.map((row) => ({
      step: row.step,
      state: StepState.parse(row.state),
      agent: row.agent,
      branch: row.branch,
      baseCommit: row.base_commit,
      summary: row.summary,
      restarts: row.restarts,
    }));
  }

  step(run: string, step: string): StepRecord {
    const found = this.steps(run).find((candidate) => candidate.step === step);
    if (!found) throw new WireError(WireErrorCode.InvalidParams, `run ${run} has no step ${step}`, { run, step });
    return found;
  }

  setStep(run: string, step: StepRecord): void {
    this.db
      .prepare(
        `INSERT INTO run_steps (run, step, state, agent, branch, base_commit, summary, restarts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run, step) DO UPDATE SET state = excluded.state, agent = excluded.agent, branch = excluded.branch,
           base_commit = excluded.base_commit, summary = excluded.summary, restarts = excluded.restarts`,
      )
      .run(run, step.step, step.state, step.agent, step.branch, step.baseCommit, step.summary, step.restarts);
  }

  updateStep(run: string, step: string, change: Partial<Omit<StepRecord, 'step'>>): StepRecord {
    const updated = { ...this.step(run, step), ...change };
    this.setStep(run, updated);
    return updated;
  }

  /** The run a step agent works for. */
  stepOfAgent(agent: string): { run: string; step: string } | undefined {
    return this.db.prepare('SELECT run, step FROM run_steps WHERE agent = ?').get(agent) as { run: string; step: string } | undefined;
  }

  prompts(run: string): RunPrompt[] {
    const rows = this.db.prepare('SELECT agent, role, step, prompt, at FROM run_prompts WHERE run = ? ORDER BY seq').all(run);
    return z.array(RunPrompt).parse(rows);
  }

  addPrompt(run: string, prompt: RunPrompt): void {
    this.db.prepare('INSERT INTO run_prompts (run, agent, role, step, prompt, at) VALUES (?, ?, ?, ?, ?, ?)').run(run, prompt.agent, prompt.role, prompt.step, prompt.prompt, prompt.at);
  }
}

function toRow(run: RunRecord): RunRow {
  return {
    id: run.id,
    runbook: JSON.stringify(run.runbook),
    runbook_text: run.runbookText,
    repo: run.repo,
    params: JSON.stringify(run.params),
    state: run.state,
    reason: run.reason,
    base_commit: run.baseCommit,
    integration_branch: run.integrationBranch,
    planner: run.planner,
    started_by: run.startedBy,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
  };
}

function fromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    runbook: RunRunbook.parse(JSON.parse(row.runbook)),
    runbookText: row.runbook_text,
    repo: row.repo,
    params: Params.parse(JSON.parse(row.params)),
    state: RunState.parse(row.state),
    reason: row.reason,
    baseCommit: row.base_commit,
    integrationBranch: row.integration_branch,
    planner: row.planner,
    startedBy: row.started_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
