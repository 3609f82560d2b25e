import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { errorMessage } from '../../common/wire/errors';
import { AuditLog } from '../audit/auditLog';
import { AuditReader } from '../audit/auditReader';
import { InputAuditor } from '../audit/inputAuditor';
import { statePaths, type HostConfig } from '../config';
import { integrityCheck, metaValue, openDatabase, type Db } from '../journal/database';
import { Journal } from '../journal/journal';
import { SessionManager } from '../sessions/sessionManager';
import { Governance } from '../governance/governance';
import { AgentManager } from '../agents/agentManager';
import { Inbox } from '../orchestration/inbox';
import { LearningStore } from '../orchestration/learningStore';
import { Orchestrator } from '../orchestration/orchestrator';
import { PullRequests } from '../orchestration/pullRequests';
import { Retrospectives } from '../orchestration/retrospectives';
import { stepGit } from '../orchestration/stepGit';
import { Repos } from '../repos/repos';
import { builtInRunbooksDir } from '../runbooks/builtInDir';
import { RunbookLibrary, runbookFilesOf } from '../runbooks/runbookLibrary';
import { prepareStateDir } from '../stateDirTrust';
import { InputHolders } from '../viewers/inputHolders';
import { SocketTransport } from '../wire/socketTransport';
import { ClientConnection, type HostContext } from './connection';
import { DaemonLock } from './daemonLock';

const MAX_UNREAD_BYTES = 64 * 1024 * 1024;
/** How often the retention of ended sessions is applied (also at start and after each exit). */
const EXITED_RETENTION_EVERY_MS = 60_000;

/** The agent-host daemon: one per user per machine, reached only through its 0600 Unix socket. */
export class Daemon implements HostContext {
  readonly startedAt = Date.now();
  readonly hostId: string;
  readonly sessions: SessionManager;
  readonly audit: AuditLog;
  readonly auditReader: AuditReader;
  readonly inputHolders = new InputHolders();
  readonly inputAuditor: InputAuditor;
  readonly repos: Repos;
  readonly agents: AgentManager;
  readonly governance: Governance;
  readonly runbooks: RunbookLibrary;
  readonly orchestrator: Orchestrator;
  readonly inbox: Inbox;
  readonly retrospectives: Retrospectives;
  readonly pullRequests: PullRequests;
  private readonly clients = new Set<ClientConnection>();
  private server: Server | undefined;
  private nextClient = 1;
  private readonly watchdog: ReturnType<typeof setInterval>;
  private readonly retentionTimer: ReturnType<typeof setInterval>;
  private stopping = false;
  /** Why the daemon had to stop, if it did not stop by request. */
  private failure: string | undefined;
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
    this.auditReader = new AuditReader(db);
    this.inputAuditor = new InputAuditor(this.audit);
    this.sessions = new SessionManager(new Journal(db), this.audit, {
      limits: { retentionBytes: config.retentionBytes },
      exitedRetention: { maxAgeMs: config.exitedRetentionAgeMs, maxTotalBytes: config.exitedRetentionBytes },
      onListenerError: (error, emitter) => this.fault(error, `a listener of ${emitter}`),
    });
    this.sessions.events.on((event) => {
      for (const client of this.clients) if (client.ready) client.peer.notify('session.event', event);
    });
    this.repos = new Repos(db, join(config.stateDir, 'repos'), join(config.stateDir, 'worktrees'), {
      confineGit: (argv, dir, readable) => this.governance.confineGit(argv, dir, readable),
    });
    this.governance = new Governance({
      stateDir: config.stateDir,
      db,
      audit: this.audit,
      repos: this.repos,
      log: (message) => this.log(message),
      onListenerError: (error, emitter) => this.fault(error, `a listener of ${emitter}`),
    });
    this.governance.approvals.events.on((event) => {
      for (const client of this.clients) if (client.ready) client.peer.notify('approval.event', event);
    });
    this.agents = new AgentManager({
      stateDir: config.stateDir,
      db,
      sessions: this.sessions,
      audit: this.audit,
      repos: this.repos,
      governance: this.governance,
      nodePath: process.execPath,
      // The daemon runs as `node agent-host.mjs serve`: agents run the same bundle (agent builtin, hook, mcp).
      hostEntry: process.argv[1]!,
      log: (message) => this.log(message),
      onListenerError: (error, emitter) => this.fault(error, `a listener of ${emitter}`),
    });
    this.agents.events.on((event) => {
      for (const client of this.clients) if (client.ready) client.peer.notify('agent.event', event);
    });
    this.runbooks = new RunbookLibrary({
      builtInDir: builtInRunbooksDir(process.argv[1]!),
      repoFiles: (repo) => runbookFilesOf(this.repos, repo),
    });
    // One for the coordinator and the reworks of pull requests: merges into a repo go one at a time.
    const git = stepGit(this.repos, this.governance);
    const learnings = new LearningStore(db);
    this.orchestrator = new Orchestrator({
      db,
      learnings,
      agents: this.agents,
      repos: this.repos,
      git,
      audit: this.audit,
      runbooks: this.runbooks,
      log: (message) => this.log(message),
      onListenerError: (error, emitter) => this.fault(error, `a listener of ${emitter}`),
    });
    this.orchestrator.runEvents.on((run) => {
      for (const client of this.clients) if (client.ready) client.peer.notify('run.event', { run });
    });
    this.inbox = new Inbox({
      agents: this.agents,
      approvals: this.governance.approvals,
      orchestrator: this.orchestrator,
      onListenerError: (error, emitter) => this.fault(error, `a listener of ${emitter}`),
    });
    this.inbox.events.on((event) => {
      for (const client of this.clients) if (client.ready) client.peer.notify('inbox.event', event);
    });
    this.retrospectives = new Retrospectives({
      db,
      learnings,
      agents: this.agents,
      git,
      audit: this.audit,
      auditReader: this.auditReader,
      runsDone: this.orchestrator.runsDone,
      record: (run) => this.orchestrator.record(run),
      extraEvidence: (run) => this.pullRequests.reviewEvidence(run),
      log: (message) => this.log(message),
      onListenerError: (error, emitter) => this.fault(error, `a listener of ${emitter}`),
    });
    this.inbox.addSource(this.retrospectives);
    this.pullRequests = new PullRequests({
      db,
      stateDir: config.stateDir,
      agents: this.agents,
      repos: this.repos,
      git,
      audit: this.audit,
      record: (run) => this.orchestrator.record(run),
      accepted: (runbook, repo) => learnings.accepted(runbook, repo),
      runChanged: (run) => this.orchestrator.runEvents.emit(this.orchestrator.show(run).run),
      log: (message) => this.log(message),
      onListenerError: (error, emitter) => this.fault(error, `a listener of ${emitter}`),
    });
    this.agents.bindRuns((agent) => this.pullRequests.bindingFor(agent));
    this.orchestrator.runsDone.on((run) => this.pullRequests.runDone(run));
    // Review comments are learnings candidates: once reworked, they go to a retrospective round of their own.
    this.pullRequests.reworked.on((run) => {
      this.retrospectives.startRetrospective(run, 'review feedback was reworked').catch((error: unknown) => this.log(`run ${run}: no retrospective after the rework: ${errorMessage(error)}`));
    });
    this.inbox.addSource(this.pullRequests.inbox);
    this.sessions.laggingViewers.on((viewer) => {
      for (const client of this.clients) if (client.ownsViewer(viewer)) client.dropViewer(viewer, 'fell-behind');
    });
    this.watchdog = setInterval(() => this.dropClientsNotReading(), 1000);
    this.watchdog.unref();
    this.retentionTimer = setInterval(() => this.sessions.removeExpired(), EXITED_RETENTION_EVERY_MS);
    this.retentionTimer.unref();
    this.sessions.events.on((event) => {
      if (event.type !== 'removed') return;
      for (const client of this.clients) client.dropViewerOf(event.session.id);
    });
  }

  static async start(config: HostConfig): Promise<Daemon> {
    // Journal, audit and log hold terminal output: readable by this user only.
    process.umask(0o077);
    prepareStateDir(config.stateDir);
    chmodSync(config.stateDir, 0o700);
    const paths = statePaths(config.stateDir);
    const lock = DaemonLock.acquire(paths.lock, paths.pid);
    const db = openDatabase(paths.database);
    const daemon = new Daemon(config, lock, db);
    daemon.log(`starting agent-host pid ${process.pid} in ${config.stateDir}; journal integrity: ${integrityCheck(db)}`);
    const interrupted = daemon.sessions.restore();
    if (interrupted.length > 0) daemon.log(`marked ${interrupted.length} session(s) interrupted`);
    const interruptedAgents = daemon.agents.restore();
    if (interruptedAgents > 0) daemon.log(`marked ${interruptedAgents} agent(s) interrupted`);
    const expired = daemon.sessions.removeExpired();
    if (expired > 0) daemon.log(`removed ${expired} ended session(s) past their retention (audited)`);
    await daemon.listen(paths.socket);
    // Planners that died with the previous daemon go on; clients may connect meanwhile.
    daemon.orchestrator.restore().catch((error: unknown) => daemon.fault(error, 'restoring runs'));
    daemon.retrospectives.restore().catch((error: unknown) => daemon.fault(error, 'restoring retrospectives'));
    daemon.pullRequests.restore().catch((error: unknown) => daemon.fault(error, 'restoring pull requests'));
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

  /** Why the daemon stopped on its own (a fault), or undefined when it was asked to. */
  get failed(): string | undefined {
    return this.failure;
  }

  /**
   * An error nobody caught (thrown from a timer or an event listener), decided by its kind. A SQLite error
   * means a write to the journal or the audit was lost, so neither can be trusted from here on: save what
   * can be saved and stop (the next daemon marks the sessions interrupted). Anything else hit one request or
   * one listener: logged with its stack, and the daemon carries on serving everyone else.
   */
  fault(error: unknown, where: string): void {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (!(error instanceof Database.SqliteError)) return this.log(`${where} threw (carrying on): ${detail}`);
    this.log(`${where} threw a database error; the journal cannot be trusted any more, stopping: ${detail}`);
    this.failure ??= `database error: ${error instanceof Error ? error.message : String(error)}`;
    void this.stop(this.failure);
  }

  async stop(reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.watchdog);
    clearInterval(this.retentionTimer);
    // Not awaited: a poll waiting on a slow forge must not hold the stop; what it finds is polled again next time.
    void this.pullRequests.stop();
    this.log(`stopping: ${reason}`);
    this.server?.close();
    // Each step on its own: after a database fault the first may fail, the rest must still run.
    this.attempt('flush typing to the audit', () => this.inputAuditor.flushAll());
    await this.sessions.persistScreens().catch((error: unknown) => this.log(`could not save screens: ${String(error)}`));
    // Programs get SIGHUP; their exit will not be recorded: the next daemon marks them interrupted.
    this.attempt('close agent endpoints', () => this.agents.shutdown());
    this.attempt('stop sessions', () => this.sessions.shutdown());
    await this.governance.close().catch((error: unknown) => this.log(`could not close the egress proxy: ${String(error)}`));
    for (const client of this.clients) client.peer.close();
    this.attempt('remove the socket', () => rmSync(statePaths(this.config.stateDir).socket, { force: true }));
    this.attempt('close the database', () => this.db.close());
    this.lock.release();
    this.resolveStopped();
  }

  private attempt(what: string, step: () => void): void {
    try {
      step();
    } catch (error) {
      this.log(`stopping: could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
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
