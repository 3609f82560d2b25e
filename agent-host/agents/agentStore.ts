import { z } from 'zod';
import {
  type AgentInfo,
  AgentKind,
  AgentStatus,
  Confinement,
  PendingQuestion,
  TokenUsage,
  ZERO_USAGE,
} from '../../common/protocol/agents';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { Db } from '../journal/database';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agents (
  name TEXT PRIMARY KEY,
  profile TEXT NOT NULL,
  kind TEXT NOT NULL,
  repo TEXT NOT NULL,
  branch TEXT NOT NULL,
  base_commit TEXT NOT NULL,
  worktree TEXT NOT NULL,
  task TEXT NOT NULL,
  model TEXT,
  session_id TEXT,
  status TEXT NOT NULL,
  question TEXT,
  messages TEXT NOT NULL,
  usage TEXT NOT NULL,
  cost_usd REAL,
  turns INTEGER NOT NULL,
  conversation TEXT,
  -- A CLI agent's token totals per transcript file it named (resumes may continue a file or start another).
  transcripts TEXT NOT NULL DEFAULT '{}',
  confinement TEXT,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL
);
`;

const TranscriptTotals = z.object({ usage: TokenUsage, model: z.string().nullable(), messages: z.number().int().nonnegative() });
export type TranscriptTotals = z.infer<typeof TranscriptTotals>;

export const QueuedMessage = z.object({ text: z.string(), by: z.string(), at: z.number() });
export type QueuedMessage = z.infer<typeof QueuedMessage>;

/** One agent as the host keeps it: what lists show, plus its queued messages and saved conversation. */
export interface AgentRecord extends Omit<AgentInfo, 'queuedMessages'> {
  messages: QueuedMessage[];
}

interface AgentRow {
  name: string;
  profile: string;
  kind: string;
  repo: string;
  branch: string;
  base_commit: string;
  worktree: string;
  task: string;
  model: string | null;
  session_id: string | null;
  status: string;
  question: string | null;
  messages: string;
  usage: string;
  cost_usd: number | null;
  turns: number;
  confinement: string | null;
  created_at: number;
  updated_at: number;
}

/** The agents table of the host database; every change is written before anyone is told of it. */
export class AgentStore {
  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
    // Databases from before governance lack the column.
    const columns = db.prepare("SELECT name FROM pragma_table_info('agents')").all() as { name: string }[];
    if (!columns.some((column) => column.name === 'confinement')) db.exec('ALTER TABLE agents ADD COLUMN confinement TEXT');
  }

  list(): AgentRecord[] {
    const rows = this.db.prepare('SELECT * FROM agents ORDER BY created_at').all() as AgentRow[];
    return rows.map(fromRow);
  }

  find(name: string): AgentRecord | undefined {
    const row = this.db.prepare('SELECT * FROM agents WHERE name = ?').get(name) as AgentRow | undefined;
    return row && fromRow(row);
  }

  get(name: string): AgentRecord {
    const record = this.find(name);
    if (!record) throw new WireError(WireErrorCode.AgentNotFound, `no agent ${name}`, { agent: name });
    return record;
  }

  insert(record: AgentRecord): void {
    this.db
      .prepare(
        `INSERT INTO agents (name, profile, kind, repo, branch, base_commit, worktree, task, model, session_id, status,
           question, messages, usage, cost_usd, turns, conversation, confinement, created_at, updated_at)
         VALUES (@name, @profile, @kind, @repo, @branch, @base_commit, @worktree, @task, @model, @session_id, @status,
           @question, @messages, @usage, @cost_usd, @turns, NULL, @confinement, @created_at, @updated_at)`,
      )
      .run(toRow(record));
  }

  update(record: AgentRecord): AgentRecord {
    const updated = { ...record, updatedAt: Date.now() };
    this.db
      .prepare(
        `UPDATE agents SET model = @model, session_id = @session_id, status = @status, question = @question,
           messages = @messages, usage = @usage, cost_usd = @cost_usd, turns = @turns, confinement = @confinement,
           updated_at = @updated_at
         WHERE name = @name`,
      )
      .run(toRow(updated));
    return updated;
  }

  remove(name: string): void {
    this.db.prepare('DELETE FROM agents WHERE name = ?').run(name);
  }

  conversation(name: string): unknown {
    const row = this.db.prepare('SELECT conversation FROM agents WHERE name = ?').get(name) as { conversation: string | null } | undefined;
    return row?.conversation ? (JSON.parse(row.conversation) as unknown) : null;
  }

  transcripts(name: string): Record<string, TranscriptTotals> {
    const row = this.db.prepare('SELECT transcripts FROM agents WHERE name = ?').get(name) as { transcripts: string } | undefined;
    return z.record(z.string(), TranscriptTotals).catch({}).parse(JSON.parse(row?.transcripts ?? '{}'));
  }

  saveTranscripts(name: string, transcripts: Record<string, TranscriptTotals>): void {
    this.db.prepare('UPDATE agents SET transcripts = ? WHERE name = ?').run(JSON.stringify(transcripts), name);
  }

  saveConversation(name: string, conversation: unknown, turns: number): void {
    this.db
      .prepare('UPDATE agents SET conversation = ?, turns = max(turns, ?), updated_at = ? WHERE name = ?')
      .run(JSON.stringify(conversation), turns, Date.now(), name);
  }
}

export function toInfo(record: AgentRecord): AgentInfo {
  const { messages, ...info } = record;
  return { ...info, queuedMessages: messages.length };
}

function toRow(record: AgentRecord): Record<string, unknown> {
  return {
    name: record.name,
    profile: record.profile,
    kind: record.kind,
    repo: record.repo,
    branch: record.branch,
    base_commit: record.baseCommit,
    worktree: record.worktree,
    task: record.task,
    model: record.model,
    session_id: record.sessionId,
    status: record.status,
    question: record.question ? JSON.stringify(record.question) : null,
    messages: JSON.stringify(record.messages),
    usage: JSON.stringify(record.usage),
    cost_usd: record.costUsd,
    turns: record.turns,
    confinement: record.confinement ? JSON.stringify(record.confinement) : null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function fromRow(row: AgentRow): AgentRecord {
  return {
    name: row.name,
    profile: row.profile,
    kind: AgentKind.parse(row.kind),
    repo: row.repo,
    branch: row.branch,
    baseCommit: row.base_commit,
    worktree: row.worktree,
    task: row.task,
    model: row.model,
    sessionId: row.session_id,
    status: AgentStatus.parse(row.status),
    question: row.question ? PendingQuestion.parse(JSON.parse(row.question)) : null,
    messages: z.array(QueuedMessage).parse(JSON.parse(row.messages)),
    usage: TokenUsage.catch(ZERO_USAGE).parse(JSON.parse(row.usage)),
    costUsd: row.cost_usd,
    turns: row.turns,
    confinement: row.confinement ? Confinement.parse(JSON.parse(row.confinement)) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
