import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { homedir } from 'node:os';
import { Emitter } from '../../common/events';
import type { SessionEvent, StartSessionParams } from '../../common/protocol/methods';
import type { SessionInfo } from '../../common/protocol/session';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';
import type { Journal } from '../journal/journal';
import { detectorFor } from '../status/detector';
import type { Viewer } from '../viewers/viewer';
import { resolveCommand, resolveCwd } from './resolveCommand';
import { Session, type SessionLimits } from './session';

type ParsedStart = z.output<typeof StartSessionParams>;

export interface Actor {
  actor: string;
  data: Record<string, unknown>;
}

// The daemon may have been started from an SSH session long gone: its connection details would mislead.
const STALE_SSH_VARIABLES = new Set(['SSH_CONNECTION', 'SSH_CLIENT', 'SSH_TTY', 'SSH_AUTH_SOCK']);

function newSessionId(): string {
  return `s-${randomBytes(6).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x')}`;
}

/** Every session the daemon knows, running or kept for its output; broadcasts their events. */
export class SessionManager {
  readonly events = new Emitter<SessionEvent>();
  readonly laggingViewers = new Emitter<Viewer>();
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly journal: Journal,
    private readonly audit: AuditLog,
    private readonly limits: SessionLimits,
  ) {}

  /** Loads the journal's sessions; those that were running died with the previous daemon. */
  restore(): SessionInfo[] {
    const interrupted: SessionInfo[] = [];
    for (const info of this.journal.sessions()) {
      const session = Session.restore(info, this.journal, this.limits);
      if (!session.ended) {
        session.markInterrupted();
        interrupted.push(session.snapshotInfo());
        this.audit.append({
          actor: 'host',
          action: 'session.interrupted',
          target: `session:${info.id}`,
          reason: 'the daemon stopped while the session ran',
          outcome: 'ok',
          data: { endOffset: info.endOffset },
        });
      }
      this.track(session);
    }
    return interrupted;
  }

  start(params: ParsedStart, by: Actor): Session {
    const cwd = resolveCwd(params.cwd ?? process.env.HOME ?? homedir());
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !STALE_SSH_VARIABLES.has(key)) env[key] = value;
    }
    env.TERM = 'xterm-256color';
    Object.assign(env, params.env ?? {});
    const audit = { actor: by.actor, action: 'session.start', target: `session:${params.name ?? params.command}` };
    let file: string;
    try {
      file = resolveCommand(params.command, cwd, env.PATH);
    } catch (error) {
      this.audit.append({ ...audit, outcome: 'error', data: { ...by.data, command: params.command, error: String(error) } });
      throw error;
    }
    const info: SessionInfo = {
      id: newSessionId(),
      name: params.name ?? params.command,
      command: params.command,
      args: params.args,
      cwd,
      labels: params.labels ?? {},
      cols: params.cols,
      rows: params.rows,
      status: 'starting',
      pid: null,
      exitCode: null,
      exitSignal: null,
      createdAt: Date.now(),
      endedAt: null,
      endOffset: 0,
      retainedFrom: 0,
      inputAllowed: params.inputAllowed,
    };
    let session: Session;
    try {
      session = Session.spawn(info, { file, args: params.args, cwd, env }, this.journal, this.limits, detectorFor(params.labels?.agentKind));
    } catch (error) {
      this.audit.append({ ...audit, outcome: 'error', data: { ...by.data, command: params.command, error: String(error) } });
      throw new WireError(WireErrorCode.SpawnFailed, `could not start ${params.command}: ${String(error)}`, { command: params.command });
    }
    this.audit.append({
      ...audit,
      target: `session:${info.id}`,
      outcome: 'ok',
      data: { ...by.data, command: params.command, args: params.args, cwd, name: info.name },
    });
    this.track(session);
    this.events.emit({ type: 'started', session: session.snapshotInfo() });
    return session;
  }

  get(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new WireError(WireErrorCode.SessionNotFound, `no session ${id}`, { sessionId: id });
    return session;
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map((session) => session.snapshotInfo());
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  kill(id: string, by: Actor): void {
    const session = this.get(id);
    if (session.ended) throw new WireError(WireErrorCode.SessionExited, `session ${id} has already ended`, { sessionId: id });
    this.audit.append({ actor: by.actor, action: 'session.kill', target: `session:${id}`, outcome: 'ok', data: by.data });
    session.kill();
  }

  remove(id: string, by: Actor): void {
    const session = this.get(id);
    if (!session.ended) {
      throw new WireError(WireErrorCode.InvalidRequest, `session ${id} is still running; kill it first`, { sessionId: id });
    }
    const info = session.snapshotInfo();
    session.dispose();
    this.sessions.delete(id);
    this.journal.removeSession(id);
    this.audit.append({ actor: by.actor, action: 'session.remove', target: `session:${id}`, outcome: 'ok', data: by.data });
    this.events.emit({ type: 'removed', session: info });
  }

  /** Saves every live screen so a restart shows it. */
  async persistScreens(): Promise<void> {
    await Promise.all(this.all().map((session) => session.persistScreen()));
  }

  private track(session: Session): void {
    this.sessions.set(session.id, session);
    session.events.on((type) => this.events.emit({ type, session: session.snapshotInfo() }));
    session.laggingViewers.on((viewer) => this.laggingViewers.emit(viewer));
  }
}
