import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { Db } from '../journal/database';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run_items (
  id TEXT PRIMARY KEY,
  run TEXT NOT NULL,
  step TEXT,
  phase TEXT,
  kind TEXT NOT NULL,
  origin TEXT NOT NULL,
  agent TEXT,
  summary TEXT NOT NULL,
  detail TEXT NOT NULL,
  options TEXT NOT NULL,
  status TEXT NOT NULL,
  decided_by TEXT,
  decision TEXT,
  created_at REAL NOT NULL,
  decided_at REAL,
  -- Who approved so far: a change to protected paths needs two different people.
  approvals TEXT NOT NULL DEFAULT '[]'
);
`;

/**
 * Why the coordinator holds a run for a person: an agent's checkpoint, a phase or the whole run done (runbook
 * checkpoints), or something that went wrong with a step (an escalation).
 */
export const RunItemOrigin = z.enum(['agent-checkpoint', 'step', 'phase', 'final', 'merge-conflict', 'agent-ended', 'uncommitted', 'start-failed', 'tests-failed']);
export type RunItemOrigin = z.infer<typeof RunItemOrigin>;

export const RunItemStatus = z.enum(['open', 'approved', 'rejected', 'answered', 'dropped']);

export interface RunItem {
  id: string;
  run: string;
  step: string | null;
  phase: string | null;
  kind: 'checkpoint' | 'escalation';
  origin: RunItemOrigin;
  agent: string | null;
  summary: string;
  /** What the person reads to decide: checkpoint fields and diff, or the problem, context and resolutions. */
  detail: Record<string, unknown>;
  options: string[];
  status: z.infer<typeof RunItemStatus>;
  /** The people who approved so far (the last one settles it). */
  approvals: string[];
  decidedBy: string | null;
  decision: string | null;
  createdAt: number;
  decidedAt: number | null;
}

interface ItemRow {
  id: string;
  run: string;
  step: string | null;
  phase: string | null;
  kind: string;
  origin: string;
  agent: string | null;
  summary: string;
  detail: string;
  options: string;
  status: string;
  decided_by: string | null;
  decision: string | null;
  created_at: number;
  decided_at: number | null;
  approvals: string;
}

/** Checkpoints and escalations the coordinator raised, kept until decided (and after, for the record). */
export class RunItems {
  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
  }

  open(run?: string): RunItem[] {
    const rows = (
      run === undefined
        ? this.db.prepare("SELECT * FROM run_items WHERE status = 'open' ORDER BY created_at").all()
        : this.db.prepare("SELECT * FROM run_items WHERE status = 'open' AND run = ? ORDER BY created_at").all(run)
    ) as ItemRow[];
    return rows.map(fromRow);
  }

  /** Every item of a run, decided or not, oldest first. */
  all(run: string): RunItem[] {
    return (this.db.prepare('SELECT * FROM run_items WHERE run = ? ORDER BY created_at').all(run) as ItemRow[]).map(fromRow);
  }

  find(id: string): RunItem | undefined {
    const row = this.db.prepare('SELECT * FROM run_items WHERE id = ?').get(id) as ItemRow | undefined;
    return row && fromRow(row);
  }

  get(id: string): RunItem {
    const item = this.find(id);
    if (!item) throw new WireError(WireErrorCode.InboxItemNotFound, `nothing waits as ${id} on this host`, { item: id });
    return item;
  }

  add(item: Omit<RunItem, 'id' | 'status' | 'decidedBy' | 'decision' | 'createdAt' | 'decidedAt' | 'approvals'>): RunItem {
    const id = `${item.kind === 'checkpoint' ? 'ck' : 'es'}-${randomBytes(4).toString('hex')}`;
    const created: RunItem = { ...item, id, status: 'open', approvals: [], decidedBy: null, decision: null, createdAt: Date.now(), decidedAt: null };
    this.db
      .prepare(
        `INSERT INTO run_items (id, run, step, phase, kind, origin, agent, summary, detail, options, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
      )
      .run(id, item.run, item.step, item.phase, item.kind, item.origin, item.agent, item.summary, JSON.stringify(item.detail), JSON.stringify(item.options), created.createdAt);
    return created;
  }

  addApproval(id: string, by: string): void {
    const item = this.get(id);
    this.db.prepare('UPDATE run_items SET approvals = ? WHERE id = ?').run(JSON.stringify([...item.approvals, by]), id);
  }

  settle(id: string, status: Exclude<RunItem['status'], 'open'>, by: string, decision: string | null): void {
    this.db
      .prepare("UPDATE run_items SET status = ?, decided_by = ?, decision = ?, decided_at = ? WHERE id = ? AND status = 'open'")
      .run(status, by, decision, Date.now(), id);
  }

  /** Every open item of a run goes (the run was cancelled). */
  dropAll(run: string, by: string): void {
    this.db.prepare("UPDATE run_items SET status = 'dropped', decided_by = ?, decided_at = ? WHERE run = ? AND status = 'open'").run(by, Date.now(), run);
  }
}

function fromRow(row: ItemRow): RunItem {
  return {
    id: row.id,
    run: row.run,
    step: row.step,
    phase: row.phase,
    kind: row.kind === 'checkpoint' ? 'checkpoint' : 'escalation',
    origin: RunItemOrigin.parse(row.origin),
    agent: row.agent,
    summary: row.summary,
    detail: z.record(z.string(), z.unknown()).parse(JSON.parse(row.detail)),
    options: z.array(z.string()).parse(JSON.parse(row.options)),
    status: RunItemStatus.parse(row.status),
    approvals: z.array(z.string()).parse(JSON.parse(row.approvals)),
    decidedBy: row.decided_by,
    decision: row.decision,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
  };
}
