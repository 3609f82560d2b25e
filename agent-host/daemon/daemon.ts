import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { AuditLog } from '../audit/auditLog';
import { InputAuditor } from '../audit/inputAuditor';
import { statePaths, type HostConfig } from '../config';
import { integrityCheck, metaValue, openDatabase, type Db } from '../journal/database';
import { Journal } from '../journal/journal';
import { SessionManager } from '../sessions/sessionManager';
import { SocketTransport } from '../wire/socketTransport';
import { ClientConnection, type HostContext } from './connection';
import { DaemonLock } from './daemonLock';

const MAX_UNREAD_BYTES = 64 * 1024 * 1024;

/** The agent-host daemon: one per user per machine, reached only through its 0600 Unix socket. */
export class Daemon implements HostContext {
  readonly startedAt = Date.now();
  readonly hostId: string;
  readonly sessions: SessionManager;
  readonly audit: AuditLog;
  readonly inputAuditor: InputAuditor;
  private readonly clients = new Set<ClientConnection>();
  private server: Server | undefined;
  private nextClient = 1;
  private readonly watchdog: ReturnType<typeof setInterval>;
  private stopping = false;
  private resolveStopped!: () => void;
  /** Settles once the daemon has released everything; the process may exit then. */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  private constructor(
    readonly config: HostConfig,
    private readonly lock: DaemonLock,
    private readonly db: Db,
  ) {
    this.hostId = metaValue(db, 'host_id', () => randomUUID());
    this.audit = new AuditLog(db);
    this.inputAuditor = new InputAuditor(this.audit);
    this.sessions = new SessionManager(new Journal(db), this.audit, { retentionBytes: config.retentionBytes });
    this.sessions.events.on((event) => {
      for (const client of this.clients) if (client.ready) client.peer.notify('session.event', event);
    });
    this.sessions.laggingViewers.on((viewer) => {
      for (const client of this.clients) if (client.ownsViewer(viewer)) client.dropViewer(viewer, 'fell-behind');
    });
    this.watchdog = setInterval(() => this.dropClientsNotReading(), 1000);
    this.watchdog.unref();
    this.sessions.events.on((event) => {
      if (event.type !== 'removed') return;
      for (const client of this.clients) client.dropViewerOf(event.session.id);
    });
  }

  static async start(config: HostConfig): Promise<Daemon> {
    // Journal, audit and log hold terminal output: readable by this user only.
    process.umask(0o077);
    mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
    chmodSync(config.stateDir, 0o700);
    const paths = statePaths(config.stateDir);
    const lock = DaemonLock.acquire(paths.lock, paths.pid);
    const db = openDatabase(paths.database);
    const daemon = new Daemon(config, lock, db);
    daemon.log(`starting agent-host pid ${process.pid} in ${config.stateDir}; journal integrity: ${integrityCheck(db)}`);
    const interrupted = daemon.sessions.restore();
    if (interrupted.length > 0) daemon.log(`marked ${interrupted.length} session(s) interrupted`);
    await daemon.listen(paths.socket);
    return daemon;
  }

  connections(): readonly ClientConnection[] {
    return [...this.clients];
  }

  log(message: string): void {
    process.stderr.write(`${new Date().toISOString()} ${message}\n`);
  }

  shutdown(): void {
    // Let the reply to host.shutdown reach the client first.
    setTimeout(() => void this.stop('shutdown requested'), 50);
  }

  async stop(reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.watchdog);
    this.log(`stopping: ${reason}`);
    this.server?.close();
    this.inputAuditor.flushAll();
    await this.sessions.persistScreens();
    for (const session of this.sessions.all()) {
      session.kill();
      // Its exit will not be recorded: the next daemon marks it interrupted.
      session.dispose();
    }
    for (const client of this.clients) client.peer.close();
    rmSync(statePaths(this.config.stateDir).socket, { force: true });
    this.db.close();
    this.lock.release();
    this.resolveStopped();
  }

  private listen(socketPath: string): Promise<void> {
    // Holding the lock means any socket file left here is stale.
    rmSync(socketPath, { force: true });
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // The umask makes the socket 0600 from its first moment; chmod makes sure of it.
      const previousUmask = process.umask(0o177);
      server.listen(socketPath, () => {
        process.umask(previousUmask);
        chmodSync(socketPath, 0o600);
        server.off('error', reject);
        server.on('error', (error) => this.log(`server error: ${error.message}`));
        this.log(`listening on ${socketPath}`);
        resolve();
      });
    });
  }

  /**
   * Output is flow-controlled, but RPC replies are not: a client that sends requests and never reads
   * would make its socket buffer grow without end. Such a client is cut off; everyone else carries on.
   */
  private dropClientsNotReading(): void {
    for (const client of this.clients) {
      if (client.bufferedBytes() > MAX_UNREAD_BYTES) {
        this.log(`client ${client.clientId}: ${client.bufferedBytes()} bytes unread, disconnecting`);
        client.peer.close(new Error('client is not reading its replies'));
      }
    }
  }

  private accept(socket: Socket): void {
    const client = new ClientConnection(`c${this.nextClient++}`, new SocketTransport(socket), this);
    this.clients.add(client);
    client.peer.onClose((error) => {
      this.clients.delete(client);
      client.closedDown();
      this.log(`client ${client.clientId} disconnected${error ? `: ${error.message}` : ''}`);
    });
  }
}
