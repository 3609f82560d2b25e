import type { ScreenSnapshot, SessionInfo, SessionStatus } from '../../common/protocol/session';
import type { Db } from './database';

export interface OutputChunk {
  offset: number;
  data: Uint8Array;
}

interface SessionRow {
  id: string;
  name: string;
  command: string;
  args: string;
  cwd: string;
  labels: string;
  cols: number;
  rows: number;
  status: SessionStatus;
  pid: number | null;
  exit_code: number | null;
  exit_signal: string | null;
  created_at: number;
  ended_at: number | null;
  end_offset: number;
  retained_from: number;
  input_allowed: number;
  /** Where the last stored output row ends; null without rows. */
  output_end: number | null;
}

function toInfo(row: SessionRow): SessionInfo {
  return {
    id: row.id,
    name: row.name,
    command: row.command,
    args: JSON.parse(row.args) as string[],
    cwd: row.cwd,
    labels: JSON.parse(row.labels) as Record<string, string>,
    cols: row.cols,
    rows: row.rows,
    status: row.status,
    pid: row.pid,
    exitCode: row.exit_code,
    exitSignal: row.exit_signal,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    // The output rows are the truth; end_offset is written with every status change, not with every batch.
    endOffset: Math.max(row.end_offset, row.retained_from, row.output_end ?? 0),
    retainedFrom: row.retained_from,
    inputAllowed: row.input_allowed === 1,
  };
}

/**
 * The session journal: every output byte of every session with its offset, the session records, and
 * screen snapshots. One SQLite file in WAL mode; this class owns every statement that touches it.
 */
export class Journal {
  private readonly statements;
  constructor(readonly db: Db) {
    this.statements = {
      insertSession: db.prepare(
        `INSERT INTO sessions (id, name, command, args, cwd, labels, cols, rows, status, pid, exit_code, exit_signal,
           created_at, ended_at, end_offset, retained_from, input_allowed)
         VALUES (@id, @name, @command, @args, @cwd, @labels, @cols, @rows, @status, @pid, @exitCode, @exitSignal,
           @createdAt, @endedAt, @endOffset, @retainedFrom, @inputAllowed)`,
      ),
      updateSession: db.prepare(
        `UPDATE sessions SET cols = @cols, rows = @rows, status = @status, pid = @pid, exit_code = @exitCode,
           exit_signal = @exitSignal, ended_at = @endedAt, end_offset = @endOffset WHERE id = @id`,
      ),
      allSessions: db.prepare(
        `SELECT sessions.*, (SELECT output.offset + length(output.data) FROM output WHERE output.session_id = sessions.id
           ORDER BY output.offset DESC LIMIT 1) AS output_end FROM sessions ORDER BY created_at`,
      ),
      deleteSession: db.prepare('DELETE FROM sessions WHERE id = ?'),
      deleteOutput: db.prepare('DELETE FROM output WHERE session_id = ?'),
      deleteScreens: db.prepare('DELETE FROM screens WHERE session_id = ?'),
      insertOutput: db.prepare('INSERT INTO output (session_id, offset, data) VALUES (?, ?, ?)'),
      readFrom: db.prepare(
        `SELECT offset, data FROM output WHERE session_id = @id AND offset >= COALESCE(
           (SELECT MAX(offset) FROM output WHERE session_id = @id AND offset <= @from), 0)
         ORDER BY offset LIMIT @limit`,
      ),
      insertScreen: db.prepare(
        'INSERT OR REPLACE INTO screens (session_id, kind, offset, cols, rows, data) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      deleteScreensOfKind: db.prepare('DELETE FROM screens WHERE session_id = ? AND kind = ?'),
      screen: db.prepare(
        'SELECT offset, cols, rows, data FROM screens WHERE session_id = ? AND kind = ? ORDER BY offset DESC LIMIT 1',
      ),
      screenAt: db.prepare(
        "SELECT offset, cols, rows, data FROM screens WHERE session_id = ? AND kind = 'checkpoint' AND offset = ?",
      ),
      checkpointsFrom: db.prepare(
        "SELECT offset FROM screens WHERE session_id = ? AND kind = 'checkpoint' AND offset >= ? ORDER BY offset LIMIT 1",
      ),
      trimOutput: db.prepare('DELETE FROM output WHERE session_id = ? AND offset < ?'),
      trimCheckpoints: db.prepare("DELETE FROM screens WHERE session_id = ? AND kind = 'checkpoint' AND offset < ?"),
      setRetainedFrom: db.prepare('UPDATE sessions SET retained_from = ? WHERE id = ?'),
    };
  }

  createSession(info: SessionInfo): void {
    this.statements.insertSession.run({
      ...info,
      args: JSON.stringify(info.args),
      labels: JSON.stringify(info.labels),
      inputAllowed: info.inputAllowed ? 1 : 0,
    });
  }

  updateSession(info: SessionInfo): void {
    this.statements.updateSession.run(info);
  }

  sessions(): SessionInfo[] {
    return (this.statements.allSessions.all() as SessionRow[]).map(toInfo);
  }

  removeSession(id: string): void {
    this.db.transaction(() => {
      this.statements.deleteOutput.run(id);
      this.statements.deleteScreens.run(id);
      this.statements.deleteSession.run(id);
    })();
  }

  /**
   * Appends one batch at `offset` (the session's current end): one row, one statement, committed on return. The
   * session's row is not touched (that UPDATE was a quarter of an append's CPU: a second 16 KiB page into the WAL per
   * batch); sessions() takes the end from the last row.
   */
  append(id: string, offset: number, data: Uint8Array): void {
    this.statements.insertOutput.run(id, offset, data);
  }

  /** Chunks covering `from` onwards, the first trimmed to start exactly at `from`. */
  read(id: string, from: number, limit = 16): OutputChunk[] {
    const rows = this.statements.readFrom.all({ id, from, limit }) as { offset: number; data: Buffer }[];
    const chunks: OutputChunk[] = [];
    for (const row of rows) {
      const end = row.offset + row.data.length;
      if (end <= from) continue;
      const data = new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
      chunks.push(row.offset < from ? { offset: from, data: data.subarray(from - row.offset) } : { offset: row.offset, data });
    }
    return chunks;
  }

  saveScreen(id: string, kind: 'checkpoint' | 'last', snapshot: ScreenSnapshot): void {
    this.db.transaction(() => {
      if (kind === 'last') this.statements.deleteScreensOfKind.run(id, kind);
      this.statements.insertScreen.run(id, kind, snapshot.offset, snapshot.cols, snapshot.rows, snapshot.data);
    })();
  }

  screen(id: string, kind: 'checkpoint' | 'last'): ScreenSnapshot | null {
    return (this.statements.screen.get(id, kind) as ScreenSnapshot | undefined) ?? null;
  }

  checkpointAt(id: string, offset: number): ScreenSnapshot | null {
    return (this.statements.screenAt.get(id, offset) as ScreenSnapshot | undefined) ?? null;
  }

  /** The first checkpoint at or after `offset`, where a retention cut may fall. */
  checkpointFrom(id: string, offset: number): number | null {
    const row = this.statements.checkpointsFrom.get(id, offset) as { offset: number } | undefined;
    return row?.offset ?? null;
  }

  /** Drops output before `cut` (a checkpoint offset); the checkpoint there now stands for it. */
  trim(id: string, cut: number): void {
    this.db.transaction(() => {
      this.statements.trimOutput.run(id, cut);
      this.statements.trimCheckpoints.run(id, cut);
      this.statements.setRetainedFrom.run(cut, id);
    })();
  }
}
