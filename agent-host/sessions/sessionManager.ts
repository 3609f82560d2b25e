import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { homedir } from 'node:os';
import { Emitter, type ListenerErrorHandler } from '../../common/events';
import type { SessionEvent, StartSessionParams } from '../../common/protocol/methods';
import type { SessionInfo } from '../../common/protocol/session';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';
import type { Journal } from '../journal/journal';
import { OutputClock } from '../journal/outputClock';
import { detectorFor } from '../status/detector';
import type { Viewer } from '../viewers/viewer';
import { expiredSessions, retainedBytes, type ExitedRetention } from './exitedRetention';
import { resolveCommand, resolveCwd } from './resolveCommand';
import { Session, type SessionLimits } from './session';

type ParsedStart = z.output<typeof StartSessionParams>;

export interface Actor {
  actor: string;
  data: Record<string, unknown>;
  /** True for `person:NAME`, bound by their SSH key's forced command (agent-host/identity): no client can forge it. */
  verified?: boolean;
}

export interface SessionManagerOptions {
  limits: SessionLimits;
  exitedRetention: ExitedRetention;
  /** Where errors thrown by event listeners (of the manager and of each session) go. */
  onListenerError?: ListenerErrorHandler;
}

// The daemon may have been started from an SSH session long gone: its connection details would mislead.
const STALE_SSH_VARIABLES = new Set(['SSH_CONNECTION', 'SSH_CLIENT', 'SSH_TTY', 'SSH_AUTH_SOCK']);

function newSessionId(): string {
  return `s-${randomBytes(6).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x')}`;
}

/** Every session the daemon knows, running or kept for its output; broadcasts their events. */
export class SessionManager {
  readonly events: Emitter<SessionEvent>;
  readonly laggingViewers: Emitter<Viewer>;
  private readonly sessions = new Map<string, Session>();
  private readonly limits: SessionLimits;
  private readonly outputClock = new OutputClock();
  private shutDown = false;

  constructor(
    private readonly journal: Journal,
    private readonly audit: AuditLog,
    private readonly options: SessionManagerOptions,
  ) {
    this.limits = options.limits;
    this.events = new Emitter({ name: 'session manager events', onListenerError: options.onListenerError });
    this.laggingViewers = new Emitter({ name: 'session manager lagging viewers', onListenerError: options.onListenerError });
  }

  /** Loads the journal's sessions; those that were running died with the previous daemon. */
  restore(): SessionInfo[] {
    const interrupted: SessionInfo[] = [];
    for (const info of this.journal.sessions()) {
      const session = Session.restore(info, this.journal, this.limits, this.options.onListenerError);
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

  /** `confined`: the command is a sandbox around the program (see SpawnSpec). */
  start(params: ParsedStart, by: Actor, options: { confined?: boolean } = {}): Session {
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
      const spec = { file, args: params.args, cwd, env, confined: options.confined };
      session = Session.spawn(info, spec, this.journal, this.limits, this.outputClock, detectorFor(params.labels?.agentKind), this.options.onListenerError);
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

  remove(id: string, by: Actor, reason?: string): void {
    const session = this.get(id);
    if (!session.ended) {
      throw new WireError(WireErrorCode.InvalidRequest, `session ${id} is still running; kill it first`, { sessionId: id });
    }
    const info = session.snapshotInfo();
    session.dispose();
    this.sessions.delete(id);
    this.journal.removeSession(id);
    this.audit.append({ actor: by.actor, action: 'session.remove', target: `session:${id}`, reason, outcome: 'ok', data: by.data });
    this.events.emit({ type: 'removed', session: info });
  }

  /**
   * Applies the retention of ended sessions (too old, or over the total size kept): each one removed is
   * audited as the host's action with the rule that removed it, and viewers get the 'removed' event.
   */
  removeExpired(now = Date.now()): number {
    if (this.shutDown) return 0;
    const expired = expiredSessions(this.list(), this.options.exitedRetention, now);
    for (const { session, reason } of expired) {
      const by = { actor: 'host', data: { rule: 'exited-retention', endedAt: session.endedAt, bytes: retainedBytes(session) } };
      this.remove(session.id, by, reason);
    }
    return expired.length;
  }

  /** Saves every live screen so a restart shows it. */
  async persistScreens(): Promise<void> {
    await Promise.all(this.all().map((session) => session.persistScreen()));
  }

  /** The daemon stops: programs get SIGHUP (the next daemon shows them as interrupted) and nothing more is journaled. */
  shutdown(): void {
    this.shutDown = true;
    for (const session of this.all()) {
      session.kill();
      session.dispose();
    }
  }

  private track(session: Session): void {
    this.sessions.set(session.id, session);
    session.events.on((type) => {
      this.events.emit({ type, session: session.snapshotInfo() });
      // After everyone heard of the exit: it may push the oldest ended session over the size kept.
      if (type === 'exited') setImmediate(() => this.removeExpired());
    });
    session.laggingViewers.on((viewer) => this.laggingViewers.emit(viewer));
  }
}
