import { z } from 'zod';
import { LearningAppliesTo, LearningProposal, type RunLearning } from '../../common/protocol/learnings';
import type { EditedLearning } from '../../common/learnings/learningsMarkdown';
import type { Db } from '../journal/database';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS retrospectives (
  run TEXT NOT NULL,
  round INTEGER NOT NULL,
  -- Null when the round was skipped before an agent started (no evidence).
  agent TEXT,
  -- Why the round was started: the run's end, review rework, ...
  reason TEXT NOT NULL,
  state TEXT NOT NULL,
  -- The agent's propose_learnings input, as it gave it.
  proposals TEXT,
  -- Why it was skipped or ended with nothing; a rejection's feedback.
  note TEXT,
  decided_by TEXT,
  created_at REAL NOT NULL,
  proposed_at REAL,
  decided_at REAL,
  PRIMARY KEY (run, round)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS learnings (
  id TEXT PRIMARY KEY,
  run TEXT NOT NULL,
  round INTEGER NOT NULL,
  runbook TEXT NOT NULL,
  repo TEXT NOT NULL,
  applies_to TEXT NOT NULL,
  text TEXT NOT NULL,
  accepted_by TEXT NOT NULL,
  accepted_at REAL NOT NULL,
  -- pending until the commit onto the run's integration branch is made (retried after a restart); then done.
  commit_state TEXT NOT NULL DEFAULT 'pending',
  commit_sha TEXT
);
CREATE INDEX IF NOT EXISTS learnings_by_repo ON learnings (repo, runbook);
`;

/**
 * running: its agent works; proposed: in the inbox; accepted, rejected: a person decided; skipped: no evidence, no
 * agent; ended: its agent ended without proposing.
 */
export const RetrospectiveState = z.enum(['running', 'proposed', 'accepted', 'rejected', 'skipped', 'ended']);
export type RetrospectiveState = z.infer<typeof RetrospectiveState>;

export interface Retrospective {
  run: string;
  round: number;
  agent: string | null;
  reason: string;
  state: RetrospectiveState;
  proposals: LearningProposal[];
  note: string | null;
  decidedBy: string | null;
  createdAt: number;
  proposedAt: number | null;
  decidedAt: number | null;
}

/** An accepted learning as the host keeps it: the run's record has it, the prompts of later runs carry it. */
export interface StoredLearning extends RunLearning {
  run: string;
  runbook: string;
  repo: string;
  commit: string | null;
}

interface RetroRow {
  run: string;
  round: number;
  agent: string | null;
  reason: string;
  state: string;
  proposals: string | null;
  note: string | null;
  decided_by: string | null;
  created_at: number;
  proposed_at: number | null;
  decided_at: number | null;
}

interface LearningRow {
  id: string;
  run: string;
  round: number;
  runbook: string;
  repo: string;
  applies_to: string;
  text: string;
  accepted_by: string;
  accepted_at: number;
  commit_state: string;
  commit_sha: string | null;
}

/** `ln-<run>-<round>-<n>`: the inbox item's id, and the learning's place in it. */
export function learningId(run: string, round: number, index: number): string {
  return `ln-${run}-${round}-${index + 1}`;
}

/** Retrospective rounds and the learnings people accepted, in the host database. */
export class LearningStore {
  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
  }

  rounds(run: string): Retrospective[] {
    return (this.db.prepare('SELECT * FROM retrospectives WHERE run = ? ORDER BY round').all(run) as RetroRow[]).map(fromRetroRow);
  }

  round(run: string, round: number): Retrospective | undefined {
    const row = this.db.prepare('SELECT * FROM retrospectives WHERE run = ? AND round = ?').get(run, round) as RetroRow | undefined;
    return row && fromRetroRow(row);
  }

  inState(state: RetrospectiveState): Retrospective[] {
    return (this.db.prepare('SELECT * FROM retrospectives WHERE state = ? ORDER BY created_at').all(state) as RetroRow[]).map(fromRetroRow);
  }

  ofAgent(agent: string): Retrospective | undefined {
    const row = this.db.prepare('SELECT * FROM retrospectives WHERE agent = ?').get(agent) as RetroRow | undefined;
    return row && fromRetroRow(row);
  }

  /** The next round of a run, numbered after the last. */
  begin(run: string, reason: string, agentOf: (round: number) => string | null, state: 'running' | 'skipped', note: string | null): Retrospective {
    const add = this.db.transaction(() => {
      const last = (this.db.prepare('SELECT max(round) AS round FROM retrospectives WHERE run = ?').get(run) as { round: number | null }).round ?? 0;
      const round = last + 1;
      this.db
        .prepare('INSERT INTO retrospectives (run, round, agent, reason, state, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(run, round, agentOf(round), reason, state, note, Date.now());
      return round;
    });
    return this.round(run, add())!;
  }

  propose(run: string, round: number, proposals: LearningProposal[]): void {
    this.db.prepare("UPDATE retrospectives SET state = 'proposed', proposals = ?, proposed_at = ? WHERE run = ? AND round = ?").run(JSON.stringify(proposals), Date.now(), run, round);
  }

  /** A round that ended without a person's decision (its agent proposed nothing). */
  end(run: string, round: number, note: string): void {
    this.db.prepare("UPDATE retrospectives SET state = 'ended', note = ? WHERE run = ? AND round = ? AND state = 'running'").run(note, run, round);
  }

  reject(run: string, round: number, by: string, feedback: string): void {
    this.db
      .prepare("UPDATE retrospectives SET state = 'rejected', note = ?, decided_by = ?, decided_at = ? WHERE run = ? AND round = ?")
      .run(feedback, by, Date.now(), run, round);
  }

  /** The round accepted and its learnings stored in one transaction, their commit still to be made. */
  accept(retro: Retrospective, where: { runbook: string; repo: string }, learnings: readonly EditedLearning[], by: string): StoredLearning[] {
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE retrospectives SET state = 'accepted', decided_by = ?, decided_at = ? WHERE run = ? AND round = ?")
        .run(by, now, retro.run, retro.round);
      const insert = this.db.prepare(
        `INSERT INTO learnings (id, run, round, runbook, repo, applies_to, text, accepted_by, accepted_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      learnings.forEach((learning, index) =>
        insert.run(learningId(retro.run, retro.round, index), retro.run, retro.round, where.runbook, where.repo, learning.applies_to, learning.text, by, now),
      );
    })();
    return this.ofRound(retro.run, retro.round);
  }

  committed(run: string, round: number, commit: string): void {
    this.db.prepare("UPDATE learnings SET commit_state = 'done', commit_sha = ? WHERE run = ? AND round = ?").run(commit, run, round);
  }

  ofRound(run: string, round: number): StoredLearning[] {
    return (this.db.prepare('SELECT * FROM learnings WHERE run = ? AND round = ? ORDER BY rowid').all(run, round) as LearningRow[]).map(fromLearningRow);
  }

  /** Every learning accepted of a run's retrospectives, oldest first: its record's. */
  ofRun(run: string): RunLearning[] {
    const rows = this.db.prepare('SELECT * FROM learnings WHERE run = ? ORDER BY accepted_at, rowid').all(run) as LearningRow[];
    return rows.map((row) => {
      const { id, appliesTo, text, acceptedBy, acceptedAt, round } = fromLearningRow(row);
      return { id, appliesTo, text, acceptedBy, acceptedAt, round };
    });
  }

  /** What a run of `runbook` on `repo` is given: the repo's learnings, and the runbook's learnings there. Oldest first. */
  accepted(runbook: string, repo: string): StoredLearning[] {
    const rows = this.db
      .prepare("SELECT * FROM learnings WHERE repo = ? AND (applies_to = 'repo' OR runbook = ?) ORDER BY accepted_at, rowid")
      .all(repo, runbook) as LearningRow[];
    return rows.map(fromLearningRow);
  }

  /** Rounds whose accepted learnings are not on their branch yet (a crash between accepting and committing). */
  uncommitted(): { run: string; round: number }[] {
    return this.db.prepare("SELECT DISTINCT run, round FROM learnings WHERE commit_state = 'pending' ORDER BY run, round").all() as { run: string; round: number }[];
  }
}

function fromRetroRow(row: RetroRow): Retrospective {
  return {
    run: row.run,
    round: row.round,
    agent: row.agent,
    reason: row.reason,
    state: RetrospectiveState.parse(row.state),
    proposals: row.proposals === null ? [] : z.array(LearningProposal).parse(JSON.parse(row.proposals)),
    note: row.note,
    decidedBy: row.decided_by,
    createdAt: row.created_at,
    proposedAt: row.proposed_at,
    decidedAt: row.decided_at,
  };
}

function fromLearningRow(row: LearningRow): StoredLearning {
  return {
    id: row.id,
    run: row.run,
    round: row.round,
    runbook: row.runbook,
    repo: row.repo,
    appliesTo: LearningAppliesTo.parse(row.applies_to),
    text: row.text,
    acceptedBy: row.accepted_by,
    acceptedAt: row.accepted_at,
    commit: row.commit_state === 'done' ? row.commit_sha : null,
  };
}
