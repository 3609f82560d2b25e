import { z } from 'zod';
import type { ReviewComment, RunPullRequest } from '../../common/protocol/runs';
import type { ForgeFeedback } from '../forge/forge';
import type { Db } from '../journal/database';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run_pull_requests (
  run TEXT PRIMARY KEY,
  branch TEXT NOT NULL,
  pushed_commit TEXT,
  state TEXT NOT NULL,
  url TEXT,
  number INTEGER,
  note TEXT,
  -- What the forge's feedbackSince returned last: polling goes on from here after a restart.
  cursor TEXT,
  -- Closed or merged on the forge: no longer polled.
  closed INTEGER NOT NULL DEFAULT 0,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pr_feedback (
  id INTEGER PRIMARY KEY,
  run TEXT NOT NULL,
  forge_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  author TEXT NOT NULL,
  body TEXT NOT NULL,
  path TEXT,
  line INTEGER,
  url TEXT NOT NULL,
  created_at TEXT NOT NULL,
  round INTEGER NOT NULL,
  -- What a reply needs besides: a review comment's thread, a review's verdict.
  thread TEXT,
  review_state TEXT,
  reply_url TEXT,
  -- Never stored twice, whatever a cursor says.
  UNIQUE (run, forge_id)
);
CREATE TABLE IF NOT EXISTS pr_rounds (
  run TEXT NOT NULL,
  round INTEGER NOT NULL,
  status TEXT NOT NULL,
  agent TEXT,
  -- The integration head the rework agent started from.
  base_commit TEXT,
  note TEXT,
  decided_by TEXT,
  decision TEXT,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL,
  PRIMARY KEY (run, round)
) WITHOUT ROWID;
`;

/**
 * A batch of feedback and what became of it. open: waits for a person; reworking: an agent works on it; failed: the
 * rework could not land (note says why; approve tries again); done: pushed and answered; dismissed: a person said no.
 */
export const RoundStatus = z.enum(['open', 'reworking', 'failed', 'done', 'dismissed']);
export type RoundStatus = z.infer<typeof RoundStatus>;

export interface ReviewRound {
  run: string;
  round: number;
  status: RoundStatus;
  agent: string | null;
  baseCommit: string | null;
  note: string | null;
  decidedBy: string | null;
  decision: string | null;
  createdAt: number;
}

export interface PullRequestRecord extends RunPullRequest {
  run: string;
  cursor: string | null;
  closed: boolean;
}

interface PullRow {
  run: string;
  branch: string;
  pushed_commit: string | null;
  state: string;
  url: string | null;
  number: number | null;
  note: string | null;
  cursor: string | null;
  closed: number;
}

interface FeedbackRow {
  forge_id: string;
  kind: string;
  author: string;
  body: string;
  path: string | null;
  line: number | null;
  url: string;
  created_at: string;
  round: number;
  thread: string | null;
  review_state: string | null;
  reply_url: string | null;
}

interface RoundRow {
  run: string;
  round: number;
  status: string;
  agent: string | null;
  base_commit: string | null;
  note: string | null;
  decided_by: string | null;
  decision: string | null;
  created_at: number;
}

const PullState = z.enum(['open', 'pushed', 'failed']);
const FeedbackKind = z.enum(['review', 'review-comment', 'comment']);

/** A stored feedback item, as the forge gave it (to reply to it) and as people read it. */
export interface StoredFeedback {
  forge: ForgeFeedback;
  comment: ReviewComment;
  round: number;
}

/** The pull requests of done runs, the feedback collected on them (each item once), and its rounds of rework. */
export class PullRequestStore {
  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
  }

  get(run: string): PullRequestRecord | undefined {
    const row = this.db.prepare('SELECT * FROM run_pull_requests WHERE run = ?').get(run) as PullRow | undefined;
    return row && fromPullRow(row);
  }

  /** What RunInfo shows. */
  info(run: string): RunPullRequest | null {
    const record = this.get(run);
    if (!record) return null;
    const { url, number, branch, pushedCommit, state, note } = record;
    return { url, number, branch, pushedCommit, state, note };
  }

  set(run: string, value: RunPullRequest): void {
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO run_pull_requests (run, branch, pushed_commit, state, url, number, note, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run) DO UPDATE SET branch = excluded.branch, pushed_commit = excluded.pushed_commit, state = excluded.state,
           url = excluded.url, number = excluded.number, note = excluded.note, updated_at = excluded.updated_at`,
      )
      .run(run, value.branch, value.pushedCommit, value.state, value.url, value.number, value.note, now, now);
  }

  update(run: string, change: Partial<Pick<PullRequestRecord, 'pushedCommit' | 'note' | 'closed'>>): void {
    const record = this.get(run);
    if (!record) return;
    const next = { ...record, ...change };
    this.db
      .prepare('UPDATE run_pull_requests SET pushed_commit = ?, note = ?, closed = ?, updated_at = ? WHERE run = ?')
      .run(next.pushedCommit, next.note, next.closed ? 1 : 0, Date.now(), run);
  }

  /** Open on the forge as far as the host knows: what is polled. */
  polled(): PullRequestRecord[] {
    const rows = this.db.prepare("SELECT * FROM run_pull_requests WHERE state = 'open' AND closed = 0 ORDER BY created_at").all() as PullRow[];
    return rows.map(fromPullRow);
  }

  /**
   * Stores what is new among items and moves the cursor on, at once: a crash between the two would lose feedback or
   * collect it twice. New items make the run's next round (open); null when nothing was new.
   */
  addFeedback(run: string, items: readonly ForgeFeedback[], cursor: string): { round: number; items: ForgeFeedback[] } | null {
    return this.db.transaction(() => {
      const round = (this.db.prepare('SELECT coalesce(max(round), 0) + 1 AS next FROM pr_rounds WHERE run = ?').get(run) as { next: number }).next;
      const insert = this.db.prepare(
        `INSERT OR IGNORE INTO pr_feedback (run, forge_id, kind, author, body, path, line, url, created_at, round, thread, review_state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const added = items.filter(
        (item) =>
          insert.run(run, item.id, item.kind, item.author, item.body, item.path ?? null, item.line ?? null, item.url, item.createdAt, round, item.thread ?? null, item.state ?? null)
            .changes > 0,
      );
      this.db.prepare('UPDATE run_pull_requests SET cursor = ?, updated_at = ? WHERE run = ?').run(cursor, Date.now(), run);
      if (added.length === 0) return null;
      const now = Date.now();
      this.db.prepare("INSERT INTO pr_rounds (run, round, status, created_at, updated_at) VALUES (?, ?, 'open', ?, ?)").run(run, round, now, now);
      return { round, items: added };
    })();
  }

  /** Oldest first; of one round, or of the whole run. */
  feedback(run: string, round?: number): StoredFeedback[] {
    const rows = (
      round === undefined
        ? this.db.prepare('SELECT * FROM pr_feedback WHERE run = ? ORDER BY id').all(run)
        : this.db.prepare('SELECT * FROM pr_feedback WHERE run = ? AND round = ? ORDER BY id').all(run, round)
    ) as FeedbackRow[];
    return rows.map(fromFeedbackRow);
  }

  setReply(run: string, forgeId: string, url: string): void {
    this.db.prepare('UPDATE pr_feedback SET reply_url = ? WHERE run = ? AND forge_id = ?').run(url, run, forgeId);
  }

  rounds(filter: { run?: string; status?: readonly RoundStatus[] } = {}): ReviewRound[] {
    const rows = (
      filter.run === undefined ? this.db.prepare('SELECT * FROM pr_rounds ORDER BY created_at').all() : this.db.prepare('SELECT * FROM pr_rounds WHERE run = ? ORDER BY round').all(filter.run)
    ) as RoundRow[];
    return rows.map(fromRoundRow).filter((round) => !filter.status || filter.status.includes(round.status));
  }

  round(run: string, round: number): ReviewRound | undefined {
    const row = this.db.prepare('SELECT * FROM pr_rounds WHERE run = ? AND round = ?').get(run, round) as RoundRow | undefined;
    return row && fromRoundRow(row);
  }

  /** The round a rework agent works on. */
  roundOfAgent(agent: string): ReviewRound | undefined {
    const row = this.db.prepare('SELECT * FROM pr_rounds WHERE agent = ?').get(agent) as RoundRow | undefined;
    return row && fromRoundRow(row);
  }

  updateRound(run: string, round: number, change: Partial<Pick<ReviewRound, 'status' | 'agent' | 'baseCommit' | 'note' | 'decidedBy' | 'decision'>>): ReviewRound {
    const current = this.round(run, round);
    if (!current) throw new Error(`run ${run} has no review round ${round}`);
    const next = { ...current, ...change };
    this.db
      .prepare('UPDATE pr_rounds SET status = ?, agent = ?, base_commit = ?, note = ?, decided_by = ?, decision = ?, updated_at = ? WHERE run = ? AND round = ?')
      .run(next.status, next.agent, next.baseCommit, next.note, next.decidedBy, next.decision, Date.now(), run, round);
    return next;
  }
}

function fromPullRow(row: PullRow): PullRequestRecord {
  return {
    run: row.run,
    url: row.url,
    number: row.number,
    branch: row.branch,
    pushedCommit: row.pushed_commit,
    state: PullState.parse(row.state),
    note: row.note,
    cursor: row.cursor,
    closed: row.closed !== 0,
  };
}

function fromFeedbackRow(row: FeedbackRow): StoredFeedback {
  const kind = FeedbackKind.parse(row.kind);
  const forge: ForgeFeedback = {
    id: row.forge_id,
    kind,
    author: row.author,
    body: row.body,
    ...(row.review_state === null ? {} : { state: row.review_state }),
    ...(row.path === null ? {} : { path: row.path }),
    ...(row.line === null ? {} : { line: row.line }),
    ...(row.thread === null ? {} : { thread: row.thread }),
    url: row.url,
    createdAt: row.created_at,
  };
  const comment: ReviewComment = {
    id: row.forge_id,
    kind,
    author: row.author,
    body: row.body,
    path: row.path,
    line: row.line,
    url: row.url,
    createdAt: row.created_at,
    replyUrl: row.reply_url,
  };
  return { forge, comment, round: row.round };
}

function fromRoundRow(row: RoundRow): ReviewRound {
  return {
    run: row.run,
    round: row.round,
    status: RoundStatus.parse(row.status),
    agent: row.agent,
    baseCommit: row.base_commit,
    note: row.note,
    decidedBy: row.decided_by,
    decision: row.decision,
    createdAt: row.created_at,
  };
}
