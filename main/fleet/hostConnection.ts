import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ConnectionState, HostConfig, HostView } from '../../common/app/hosts';
import { Emitter, type Unsubscribe } from '../../common/events';
import type { AgentEvent } from '../../common/protocol/agents';
import type { ClientIdentity, SessionEvent } from '../../common/protocol/methods';
import type { SessionInfo } from '../../common/protocol/session';
import { errorMessage } from '../../common/wire/errors';
import { resolveRoute, sshEnvironment } from '../ssh/config';
import { connectRoute, type Prompter } from '../ssh/connect';
import { FleetError, isPermanent } from '../ssh/errors';
import type { Store } from '../store/store';
import { AgentRoster } from './agentRoster';
import { checkAuditAnchor } from './auditAnchors';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { ensureAgentHost, remoteLayout } from './bootstrap';
import { locateBundle } from './bundle';
import { debug } from './debug';
import { LocalLink, SshLink, type Link } from './link';
import { openLane, type Lane } from './lane';

/** What a bound host is asked to run: its key's forced command runs the bridge instead, whatever this says. */
const BOUND_BRIDGE_REQUEST = 'flightdeck-bridge';

export interface HostConnectionDeps {
  store: Store;
  prompter: Prompter;
  /** The app's data dir; the local host keeps its agent-host state under it. */
  home: string;
  clientName: string;
  clientVersion: string;
  backoff?: BackoffOptions;
  /** A shell command to run instead of the installed bridge (skips bootstrap). */
  remoteCommand?: RemoteCommand;
}

/** The same command for every host, or one chosen per host when it connects (hosts may then connect at once). */
export type RemoteCommand = string | ((host: HostConfig) => string | undefined);

export interface ConnectOptions {
  /** Offer a changed host key to the human instead of refusing it (the explicit re-trust action). */
  retrust?: boolean;
}

/**
 * The app's link to one host: connection state machine (connecting, connected, reconnecting with backoff,
 * failed), bootstrap, and the one control lane (one SSH exec channel) that carries requests, session events and
 * every view of every UI client as streams of its own (see TerminalLane), which re-attach when `onConnected` fires.
 */
export class HostConnection {
  private state: ConnectionState = 'disconnected';
  private error: string | null = null;
  private retryAt: number | null = null;
  private attempt = 0;
  private hostVersion: string | null = null;
  private latencyMs: number | null = null;
  private auditAlarm: string | null = null;
  /** The anchor check of the latest connect (it runs beside the first requests, not before them). */
  private anchorCheck: Promise<void> = Promise.resolve();
  private sessions: SessionInfo[] = [];
  private readonly agents = new AgentRoster();
  private link: Link | null = null;
  private control: Lane | null = null;
  private connecting: Promise<void> | null = null;
  private attemptAbort: AbortController | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private everConnected = false;
  private generation = 0;
  private readonly changes = new Emitter<HostView>();
  private readonly sessionEvents = new Emitter<SessionEvent>();
  private readonly connectedEvents = new Emitter<void>();
  private readonly dropEvents = new Emitter<void>();
  /** The bundle build already verified on this host: reconnects skip the bootstrap probe (a Node start on the VM). */
  private verifiedBuild: string | null = null;

  constructor(
    private config: HostConfig,
    private readonly deps: HostConnectionDeps,
  ) {}

  get name(): string {
    return this.config.name;
  }

  get connected(): boolean {
    return this.state === 'connected' && this.control !== null;
  }

  view(): HostView {
    return {
      ...this.config,
      state: this.state,
      error: this.error,
      retryAt: this.retryAt,
      attempt: this.attempt,
      hostVersion: this.hostVersion,
      latencyMs: this.latencyMs,
      auditAlarm: this.auditAlarm,
      sessions: this.sessions,
      agents: this.agents.list(),
    };
  }

  onChange(listener: (view: HostView) => void): Unsubscribe {
    return this.changes.on(listener);
  }

  onSessionEvent(listener: (event: SessionEvent) => void): Unsubscribe {
    return this.sessionEvents.on(listener);
  }

  onAgentEvent(listener: (event: AgentEvent) => void): Unsubscribe {
    return this.agents.onEvent(listener);
  }

  /** Fires after every successful (re)connect. */
  onConnected(listener: () => void): Unsubscribe {
    return this.connectedEvents.on(listener);
  }

  /**
   * Fires the moment the live link is found dead, before its channels have all closed: streams on it must stop
   * taking input now (anything written there is lost).
   */
  onDropped(listener: () => void): Unsubscribe {
    return this.dropEvents.on(listener);
  }

  /** Connects now (or retries now while waiting to reconnect). Rejects with the attempt's error. */
  connect(options: ConnectOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new FleetError('closed', `${this.name}: connection closed`));
    if (this.connected) return Promise.resolve();
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (this.connecting) return this.connecting;
    const attempt = this.runAttempt(options).finally(() => {
      // A teardown may have replaced this attempt by a newer one meanwhile: leave that one be.
      if (this.connecting === attempt) this.connecting = null;
    });
    this.connecting = attempt;
    return attempt;
  }

  /** The control lane, connecting first when needed. */
  async lane(): Promise<Lane> {
    if (!this.connected) await this.connect();
    if (!this.control) throw new FleetError('not-connected', `${this.name} is not connected`);
    return this.control;
  }

  private identity(): ClientIdentity {
    const local = `${userInfo().username}@${hostname()}`;
    const remoteUser = this.config.kind === 'ssh' ? this.route().target.user : null;
    return {
      name: this.deps.clientName,
      version: this.deps.clientVersion,
      user: (remoteUser ? `${remoteUser} (${local})` : local).slice(0, 128),
    };
  }

  private route() {
    return resolveRoute(
      this.config.target,
      { port: this.config.port, identityFile: this.config.identityFile, jump: this.config.jump },
      sshEnvironment(),
    );
  }

  private setState(state: ConnectionState, extra: { error?: string | null; retryAt?: number | null } = {}): void {
    this.state = state;
    if (extra.error !== undefined) this.error = extra.error;
    this.retryAt = extra.retryAt ?? null;
    this.changes.emit(this.view());
  }

  private async runAttempt(options: ConnectOptions): Promise<void> {
    const generation = ++this.generation;
    this.attempt += 1;
    this.setState(this.attempt === 1 && !this.everConnected ? 'connecting' : 'reconnecting', { retryAt: null });
    // A disconnect, re-trust or close supersedes this attempt (teardown aborts it): its open prompts are withdrawn.
    const superseded = new AbortController();
    this.attemptAbort = superseded;
    try {
      const link = await this.openLink(options, superseded.signal);
      if (this.closed || generation !== this.generation) {
        link.close();
        return;
      }
      this.link = link;
      const control = await openLane(link, this.identity()).catch((error: unknown) => {
        // The install may have been removed under us: probe and upload again next time.
        this.verifiedBuild = null;
        throw error;
      });
      debug(`${this.name}: handshake done (agent-host ${control.hello.hostVersion}, daemon pid ${control.hello.pid})`);
      await this.agents.follow(control);
      const started = performance.now();
      const { sessions } = await control.peer.request('session.list', {});
      this.latencyMs = Math.round((performance.now() - started) * 10) / 10;
      if (this.closed || generation !== this.generation) {
        control.close();
        link.close();
        return;
      }
      this.adopt(link, control, sessions);
    } catch (error) {
      this.link?.close();
      this.link = null;
      if (this.closed || generation !== this.generation) throw error;
      const reason = errorMessage(error);
      if (isPermanent(error)) this.setState('failed', { error: reason });
      else this.scheduleRetry(reason);
      throw error;
    }
  }

  private async openLink(options: ConnectOptions, signal: AbortSignal): Promise<Link> {
    if (this.config.kind === 'local') {
      const bundle = locateBundle();
      return new LocalLink(bundle, this.config.hostDir ?? join(this.deps.home, 'local-host'));
    }
    const route = this.route();
    debug(`${this.name}: connecting to ${[...route.jumps, route.target].map((hop) => `${hop.user}@${hop.hostName}:${hop.port}`).join(' -> ')}`);
    const connection = await connectRoute({
      hostName: this.name,
      route,
      store: this.deps.store,
      prompter: this.deps.prompter,
      hostKeyPolicy: options.retrust ? 'retrust' : 'normal',
      signal,
    });
    try {
      const remoteCommand = this.customRemoteCommand();
      const description = `${this.name} (${route.target.user}@${route.target.hostName}:${route.target.port})`;
      if (remoteCommand) return new SshLink(connection, remoteLayout(this.config.hostDir, 'custom', this.config.node), description, remoteCommand);
      // sshd runs the key's forced command (the bridge) whatever is asked; the request only names the intent in its log.
      if (this.config.bound) return new SshLink(connection, remoteLayout(this.config.hostDir, 'bound', this.config.node), description, BOUND_BRIDGE_REQUEST);
      const bundle = locateBundle();
      const layout = remoteLayout(this.config.hostDir, bundle.version, this.config.node);
      debug(`${this.name}: SSH ready`);
      const build = `${bundle.sha256}:${layout.installDir}`;
      if (this.verifiedBuild !== build) {
        const bootstrap = await ensureAgentHost(connection.client, bundle, layout);
        this.verifiedBuild = build;
        debug(`${this.name}: agent-host ${bootstrap.installed ? `installed (VM has Node ${bootstrap.nodeVersion})` : 'already installed'} in ${layout.installDir}`);
      }
      return new SshLink(connection, layout, description, undefined);
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  private customRemoteCommand(): string | undefined {
    const custom = this.deps.remoteCommand;
    return (typeof custom === 'function' ? custom(this.config) : custom) ?? (process.env.FLIGHTDECK_REMOTE_BRIDGE || undefined);
  }

  private adopt(link: Link, control: Lane, sessions: SessionInfo[]): void {
    this.control = control;
    this.sessions = sessions;
    this.hostVersion = control.hello.hostVersion;
    this.attempt = 0;
    const generation = this.generation;
    control.peer.onNotification('session.event', (event) => this.applySessionEvent(event));
    const dropped = (error?: Error): void => {
      if (generation !== this.generation || this.closed) return;
      debug(`${this.name}: link dropped: ${error ? error.message : 'bridge ended'}`);
      this.generation++;
      this.control = null;
      this.link?.close();
      this.link = null;
      this.everConnected = true;
      this.dropEvents.emit();
      this.scheduleRetry(`connection lost: ${error ? error.message : 'the agent-host bridge ended'}`);
    };
    link.onDrop(dropped);
    control.peer.onClose(dropped);
    this.setState('connected', { error: null });
    this.connectedEvents.emit();
    this.anchorCheck = checkAuditAnchor(this.deps.store, this.name, control.hello, control.peer).then(
      (alarm) => this.setAuditAlarm(alarm),
      (error: unknown) => debug(`${this.name}: audit anchor not checked: ${errorMessage(error)}`),
    );
  }

  /** The audit alarm once the latest connect's anchor check is done. */
  async checkedAuditAlarm(): Promise<string | null> {
    await this.anchorCheck;
    return this.auditAlarm;
  }

  /** Shown with the host until the human accepts its chain again. */
  setAuditAlarm(alarm: string | null): void {
    if (alarm === this.auditAlarm) return;
    this.auditAlarm = alarm;
    this.changes.emit(this.view());
  }

  private applySessionEvent(event: SessionEvent): void {
    const others = this.sessions.filter((session) => session.id !== event.session.id);
    this.sessions = event.type === 'removed' ? others : [...others, event.session].sort((a, b) => a.createdAt - b.createdAt);
    this.sessionEvents.emit(event);
  }

  private scheduleRetry(reason: string): void {
    if (this.closed) return;
    const delay = backoffDelay(Math.max(1, this.attempt), this.deps.backoff ?? DEFAULT_BACKOFF);
    const retryAt = Date.now() + delay;
    debug(`${this.name}: retry ${this.attempt + 1} in ${delay} ms (${reason})`);
    this.state = 'reconnecting';
    this.error = reason;
    this.retryAt = retryAt;
    this.changes.emit(this.view());
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch(() => undefined);
    }, delay);
  }

  /**
   * Replaces a running agent-host of another version with this app's. Stopping the daemon stops its sessions,
   * so it is refused while any runs unless `force` (the human's explicit consent).
   */
  async upgrade(force: boolean): Promise<{ previousVersion: string; version: string; stoppedSessions: number }> {
    const control = await this.lane();
    const link = this.link!;
    const previousVersion = control.hello.hostVersion;
    if (this.config.kind === 'ssh' && this.customRemoteCommand()) {
      throw new FleetError('upgrade-refused', `${this.name}: agent-host is started by a custom remote command; upgrade it there`);
    }
    if (this.config.bound) {
      throw new FleetError(
        'upgrade-refused',
        `${this.name}: your SSH key is bound to the agent-host bridge on the VM and can run nothing else; the VM's admin upgrades agent-host there (docs/orchestration.md)`,
      );
    }
    const version = locateBundle().version;
    if (previousVersion === version) return { previousVersion, version, stoppedSessions: 0 };
    let stoppedSessions: number;
    try {
      ({ stoppedSessions } = await control.peer.request('host.shutdown', { force }));
    } catch (error) {
      throw new FleetError(
        'upgrade-refused',
        `${this.name}: not upgrading agent-host ${previousVersion} to ${version}: ${errorMessage(error)}. ` +
          'Upgrading stops the running sessions; re-run with --force to consent, or wait until they end.',
      );
    }
    // A bridge started before the old daemon is gone would find its lock still held: wait for it to exit.
    const deadline = Date.now() + 15_000;
    while ((await link.isRunning(control.hello.pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    this.disconnect();
    await this.connect();
    return { previousVersion, version: this.hostVersion ?? version, stoppedSessions };
  }

  /** Applies an edited configuration; the next connect uses it. */
  reconfigure(config: HostConfig): void {
    this.config = config;
    this.changes.emit(this.view());
  }

  /** Drops the live link without reconnecting (before an explicit re-trust, for instance). */
  disconnect(): void {
    this.teardown();
    this.attempt = 0;
    this.everConnected = false;
    this.setState('disconnected');
  }

  /** For good: nothing reconnects and no listener hears from this connection again. */
  close(): void {
    this.closed = true;
    this.teardown();
    this.connectedEvents.clear();
    this.dropEvents.clear();
    this.agents.clear();
    this.state = 'disconnected';
  }

  /** Ends the current attempt or link; the generation bump makes any attempt still under way discard its result. */
  private teardown(): void {
    this.generation++;
    this.attemptAbort?.abort();
    this.attemptAbort = null;
    this.connecting = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.control?.close();
    this.control = null;
    this.link?.close();
    this.link = null;
  }
}
