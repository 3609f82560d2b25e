import type { ClientIdentity, HostStats, ViewerEvent, ViewerStats } from '../../common/protocol/methods';
import { hostProtocol, type HostProtocol } from '../../common/protocol/methods';
import { PROTOCOL_VERSION } from '../../common/protocol/version';
import { WireError, WireErrorCode, errorMessage } from '../../common/wire/errors';
import { RpcPeer } from '../../common/wire/peer';
import { statePaths, type HostConfig } from '../config';
import type { AuditLog } from '../audit/auditLog';
import type { AuditReader } from '../audit/auditReader';
import { isTerminalReply } from '../../common/terminal/replies';
import type { InputAuditor } from '../audit/inputAuditor';
import type { Actor, SessionManager } from '../sessions/sessionManager';
import type { Session } from '../sessions/session';
import { HOST_VERSION } from '../version';
import type { InputHolders } from '../viewers/inputHolders';
import { Viewer, type ViewerSink } from '../viewers/viewer';
import { viewStart } from '../viewers/viewStart';
import { encodeOutputFrameHeader } from '../../common/wire/frame';
import type { SocketTransport } from '../wire/socketTransport';
import type { Governance } from '../governance/governance';
import type { Inbox } from '../orchestration/inbox';
import type { Orchestrator } from '../orchestration/orchestrator';
import type { RunbookLibrary } from '../runbooks/runbookLibrary';
import type { AgentManager } from '../agents/agentManager';
import type { Repos } from '../repos/repos';
import { registerAgentHandlers } from './agentHandlers';
import { registerGovernanceHandlers } from './governanceHandlers';
import { registerRunHandlers } from './runHandlers';
import { ConnectionIdentity } from '../identity/connectionIdentity';

export const CAPABILITIES = [
  'sessions',
  'binary-input',
  'flow-control',
  'snapshots',
  'audit',
  'streams',
  'replies',
  'rpc-parts',
  'audit-anchors',
  'repos',
  'agents',
  'governance',
  'runs',
  'screen-first',
];

/** What a connection needs from the daemon around it. */
export interface HostContext {
  readonly config: HostConfig;
  readonly hostId: string;
  readonly startedAt: number;
  readonly sessions: SessionManager;
  readonly audit: AuditLog;
  readonly auditReader: AuditReader;
  readonly inputAuditor: InputAuditor;
  readonly inputHolders: InputHolders;
  readonly repos: Repos;
  readonly agents: AgentManager;
  readonly governance: Governance;
  readonly runbooks: RunbookLibrary;
  readonly orchestrator: Orchestrator;
  readonly inbox: Inbox;
  connections(): readonly ClientConnection[];
  /** Stops the daemon once the current reply is out. */
  shutdown(): void;
  log(message: string): void;
}

/**
 * One client of the daemon (one bridge). Requests before host.hello are refused; after it, the client
 * may run sessions and view them. Everything it does is validated by the peer; a broken frame closes
 * this connection only.
 */
export class ClientConnection implements ViewerSink {
  readonly peer: RpcPeer<HostProtocol>;
  private identity: ClientIdentity | undefined;
  /** Who said hello with another protocol version: they may only look (session.list) and upgrade (host.shutdown). */
  private outdatedIdentity: ClientIdentity | undefined;
  /** By stream id: one client may view a session several times (the app multiplexes its windows). */
  private readonly viewers = new Map<string, Viewer>();
  private drainWaiters: (() => void)[] = [];
  /** Who the bridge says this connection speaks for; the peer reads the socket through it. */
  private readonly bridge: ConnectionIdentity;

  constructor(
    readonly clientId: string,
    private readonly transport: SocketTransport,
    private readonly host: HostContext,
  ) {
    this.bridge = new ConnectionIdentity(clientId, host);
    this.peer = new RpcPeer(hostProtocol, this.bridge.gate(transport), { maxFrameBytes: host.config.maxFrameBytes });
    this.peer.onNotification('bridge.identity', ({ as }) => this.bridge.lateClaim(as));
    this.peer.onDrain(() => {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const waiter of waiters) waiter();
    });
    this.peer.onProtocolError((error) => host.log(`client ${clientId}: ${error.message}`));
    this.peer.onInput((frame) => this.binaryInput(frame.sessionId, frame.data));
    this.peer.onReply((frame) => this.terminalReply(frame.sessionId, frame.data));
    this.peer.onAck((frame) => this.viewers.get(frame.sessionId)?.ack(frame.offset));
    this.registerHandlers();
  }

  get ready(): boolean {
    return this.identity !== undefined;
  }

  get closed(): boolean {
    return this.peer.isClosed;
  }

  viewerStats(): ViewerStats[] {
    return [...this.viewers.values()].map((viewer) => viewer.stats());
  }

  /** The connection went away: its views end, its typing is flushed to the audit; sessions run on. */
  closedDown(): void {
    for (const viewer of this.viewers.values()) this.detachFromSession(viewer);
    this.viewers.clear();
    this.host.inputAuditor.flushAll(this.clientId);
  }

  sendOutput(streamId: string, offset: number, data: Uint8Array): boolean {
    return this.transport.writeParts([encodeOutputFrameHeader(streamId, offset, data.length), data]);
  }

  onceDrained(callback: () => void): void {
    this.drainWaiters.push(callback);
  }

  notify(event: ViewerEvent): void {
    this.peer.notify('session.viewer', event);
  }

  bufferedBytes(): number {
    return this.transport.pendingBytes;
  }

  fellBehind(viewer: Viewer): void {
    this.dropViewer(viewer, 'fell-behind');
  }

  /** Ends this client's view of a session from the host side. */
  dropViewer(viewer: Viewer, reason: 'fell-behind' | 'removed'): void {
    if (!this.ownsViewer(viewer)) return;
    this.viewers.delete(viewer.streamId);
    this.detachFromSession(viewer);
    this.peer.notify('session.detached', { sessionId: viewer.sessionId, streamId: viewer.streamId, reason });
  }

  dropViewerOf(sessionId: string): void {
    for (const viewer of [...this.viewers.values()]) if (viewer.sessionId === sessionId) this.dropViewer(viewer, 'removed');
  }

  ownsViewer(viewer: Viewer): boolean {
    return this.viewers.get(viewer.streamId) === viewer;
  }

  private detachFromSession(viewer: Viewer): void {
    viewer.close();
    this.host.inputHolders.detached(viewer);
    try {
      this.host.sessions.get(viewer.sessionId).removeViewer(viewer);
    } catch {
      // The session was removed; its viewers went with it.
    }
  }

  /** A person bound by their SSH key (verified), else the Unix user as the client names it (unverified). */
  private actor(): Actor {
    const identity = (this.identity ?? this.outdatedIdentity)!;
    const person = this.bridge.person;
    const data = { client: identity.name, clientVersion: identity.version, connection: this.clientId, verified: person !== undefined };
    if (person) return { actor: `person:${person}`, verified: true, data: { ...data, user: identity.user } };
    return { actor: `user:${identity.user}`, verified: false, data };
  }

  /** INPUT names a stream this client attached, or a session it types into without viewing it. */
  private binaryInput(streamId: string, data: Uint8Array): void {
    if (!this.identity) return this.host.log(`client ${this.clientId}: INPUT before host.hello ignored`);
    const viewer = this.viewers.get(streamId);
    try {
      this.typeInto(viewer?.sessionId ?? streamId, data);
      if (viewer) this.host.inputHolders.typed(viewer);
    } catch (error) {
      this.host.log(`client ${this.clientId}: INPUT for ${streamId} refused: ${String(error)}`);
    }
  }

  /**
   * A terminal's automatic answer to a query. Only the viewer holding input answers (else every attached terminal
   * would), and it is not audited as typing — so anything that is not shaped like a reply is refused, never typed.
   */
  private terminalReply(streamId: string, data: Uint8Array): void {
    const viewer = this.viewers.get(streamId);
    if (!this.identity || !viewer) return this.host.log(`client ${this.clientId}: REPLY for ${streamId}, which it does not view, ignored`);
    if (!isTerminalReply(data)) return this.host.log(`client ${this.clientId}: REPLY for ${streamId} is not a terminal reply; ignored`);
    if (this.host.inputHolders.holder(viewer.sessionId) !== viewer) return;
    const session = this.host.sessions.get(viewer.sessionId);
    if (session.running && session.snapshotInfo().inputAllowed) session.write(data);
  }

  private typeInto(sessionId: string, data: Uint8Array): void {
    const session = this.host.sessions.get(sessionId);
    if (!session.snapshotInfo().inputAllowed) {
      throw new WireError(WireErrorCode.InputNotAllowed, `session ${sessionId} does not accept input`, { sessionId });
    }
    if (!session.running) throw new WireError(WireErrorCode.SessionExited, `session ${sessionId} has ended`, { sessionId });
    const { actor, data: client } = this.actor();
    // Decided from the terminal's modes now, before these bytes reach it: a prompt shown a moment ago counts.
    this.host.inputAuditor.record(this.clientId, actor, client, sessionId, data, () => session.isTypingHidden());
    session.write(data);
  }

  private running(sessionId: string): Session {
    const session = this.host.sessions.get(sessionId);
    if (!session.running) throw new WireError(WireErrorCode.SessionExited, `session ${sessionId} has ended`, { sessionId });
    return session;
  }

  private registerHandlers(): void {
    const { peer, host } = this;
    const guarded = <T>(fn: () => T): T => {
      if (!this.identity) throw new WireError(WireErrorCode.HandshakeRequired, 'the first request must be host.hello');
      return fn();
    };
    // session.list and host.shutdown keep their shape across protocol versions, so a client of another
    // version can see what runs here and replace this daemon (with the human's consent when sessions run).
    const versionStable = <T>(fn: () => T): T => (this.identity || !this.outdatedIdentity ? guarded(fn) : fn());
    peer.handle('host.hello', (params) => {
      if (params.protocolVersion !== PROTOCOL_VERSION) {
        this.outdatedIdentity = params.client;
        throw new WireError(
          WireErrorCode.VersionMismatch,
          `agent-host ${HOST_VERSION} speaks protocol ${PROTOCOL_VERSION}, the client speaks ${params.protocolVersion}`,
          { hostVersion: HOST_VERSION, protocolVersion: PROTOCOL_VERSION },
        );
      }
      this.identity = params.client;
      host.log(`client ${this.clientId}: hello from ${params.client.name} ${params.client.version} (${params.client.user})`);
      return {
        protocolVersion: PROTOCOL_VERSION,
        hostVersion: HOST_VERSION,
        hostId: host.hostId,
        pid: process.pid,
        stateDir: host.config.stateDir,
        capabilities: CAPABILITIES,
        highWatermark: host.config.highWatermark,
        auditHead: host.auditReader.head(),
        directSocket: this.bridge.person === undefined ? statePaths(host.config.stateDir).socket : null,
      };
    });
    peer.handle('host.stats', () => guarded(() => this.stats()));
    peer.handle('host.shutdown', ({ force }) =>
      versionStable(() => {
        const running = host.sessions.all().filter((session) => session.running);
        if (running.length > 0 && !force) {
          throw new WireError(
            WireErrorCode.InvalidRequest,
            `${running.length} session(s) still running; shut down with force to stop them`,
            { runningSessions: running.map((session) => session.id) },
          );
        }
        const { actor, data } = this.actor();
        host.audit.append({ actor, action: 'host.shutdown', target: 'host', outcome: 'ok', data: { ...data, force, stoppedSessions: running.length } });
        host.shutdown();
        return { stoppedSessions: running.length };
      }),
    );
    peer.handle('session.list', () => versionStable(() => ({ sessions: host.sessions.list() })));
    peer.handle('session.start', (params) => guarded(() => ({ session: host.sessions.start(params, this.actor()).snapshotInfo() })));
    peer.handle('session.attach', (params) => guarded(() => this.attach(params.sessionId, params.fromOffset, params.streamId ?? params.sessionId, params.screenFirst)));
    peer.handle('session.detach', ({ sessionId, streamId = sessionId }) =>
      guarded(() => {
        const viewer = this.viewers.get(streamId);
        if (!viewer || viewer.sessionId !== sessionId) {
          throw new WireError(WireErrorCode.NotAttached, `not attached to session ${sessionId} as ${streamId}`, { sessionId, streamId });
        }
        this.viewers.delete(streamId);
        this.detachFromSession(viewer);
        return {};
      }),
    );
    peer.handle('audit.verify', ({ anchor }) => guarded(() => host.auditReader.verify(anchor)));
    peer.handle('audit.hashAt', ({ seq }) => guarded(() => ({ hash: host.auditReader.hashAt(seq) })));
    peer.handle('session.input', ({ sessionId, data }) =>
      guarded(() => {
        this.typeInto(sessionId, new TextEncoder().encode(data));
        return {};
      }),
    );
    peer.handle('session.resize', ({ sessionId, cols, rows }) =>
      guarded(() => {
        this.running(sessionId).resize(cols, rows);
        return {};
      }),
    );
    peer.handle('session.signal', ({ sessionId, signal }) =>
      guarded(() => {
        const session = this.running(sessionId);
        const { actor, data } = this.actor();
        host.audit.append({ actor, action: 'session.signal', target: `session:${sessionId}`, outcome: 'ok', data: { ...data, signal } });
        session.signal(signal);
        return {};
      }),
    );
    peer.handle('session.kill', ({ sessionId }) =>
      guarded(() => {
        host.sessions.kill(sessionId, this.actor());
        return {};
      }),
    );
    peer.handle('session.remove', ({ sessionId }) =>
      guarded(() => {
        host.sessions.remove(sessionId, this.actor());
        return {};
      }),
    );
    registerAgentHandlers(peer, host, () => this.actor(), guarded);
    registerGovernanceHandlers(peer, host, () => this.actor(), guarded);
    registerRunHandlers(peer, host, () => this.actor(), guarded);
  }

  private async attach(sessionId: string, fromOffset: number | null, streamId: string, screenFirst: boolean) {
    const session = this.host.sessions.get(sessionId);
    if (fromOffset !== null && fromOffset > session.endOffset) {
      throw new WireError(
        WireErrorCode.InvalidParams,
        `fromOffset ${fromOffset} is past the end of session ${sessionId} (${session.endOffset})`,
        { sessionId, endOffset: session.endOffset },
      );
    }
    const previous = this.viewers.get(streamId);
    if (previous) {
      this.viewers.delete(streamId);
      this.detachFromSession(previous);
    }
    const { snapshot, streamFrom, scrollbackFollows } = await viewStart(session, fromOffset, screenFirst);
    if (this.closed) throw new WireError(WireErrorCode.InternalError, 'connection closed during attach');
    const viewer = new Viewer(session, this, this.host.config, streamFrom, streamId);
    this.viewers.set(streamId, viewer);
    this.host.inputHolders.attached(viewer);
    // The reply goes out first (the peer writes it when this promise settles); output follows it.
    setImmediate(() => {
      if (scrollbackFollows) void this.sendScrollback(session, viewer);
      else this.startStreaming(session, viewer);
    });
    return { session: session.snapshotInfo(), snapshot, streamFrom, streamId, scrollbackFollows };
  }

  /**
   * The second half of a screenFirst attach: the whole screen, which may stand for a later offset than the visible one
   * the answer carried (the session printed meanwhile), and the stream from there. The view is fed only after it, so no
   * OUTPUT overtakes it. Keystrokes typed meanwhile reach the session (the view is registered); if the whole screen
   * cannot be sent, the view streams on from the visible screen, which is exact too, only without history.
   */
  private async sendScrollback(session: Session, viewer: Viewer): Promise<void> {
    try {
      const snapshot = await session.screenSnapshot();
      if (!this.ownsViewer(viewer) || this.closed) return;
      if (snapshot.offset >= viewer.sentOffset) {
        this.peer.notify('session.scrollback', { sessionId: session.id, streamId: viewer.streamId, snapshot });
        viewer.startAt(snapshot.offset);
      }
    } catch (error) {
      this.host.log(`client ${this.clientId}: scrollback of ${session.id} not sent: ${errorMessage(error)}`);
    }
    this.startStreaming(session, viewer);
  }

  private startStreaming(session: Session, viewer: Viewer): void {
    if (!this.ownsViewer(viewer) || this.closed) return;
    session.addViewer(viewer);
    viewer.pump();
  }

  private stats(): HostStats {
    const memory = process.memoryUsage();
    const sessions = this.host.sessions.all();
    return {
      hostVersion: HOST_VERSION,
      hostId: this.host.hostId,
      pid: process.pid,
      uptimeMs: Date.now() - this.host.startedAt,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      clients: this.host.connections().length,
      sessions: { total: sessions.length, running: sessions.filter((session) => session.running).length },
      viewers: this.host.connections().flatMap((connection) => connection.viewerStats()),
    };
  }
}
