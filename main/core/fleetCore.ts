import { AddHostParams, HostConfig, type HostView } from '../../common/app/hosts';
import type { Prompt } from '../../common/app/prompts';
import { Emitter, type Unsubscribe } from '../../common/events';
import { describeZodIssues } from '../../common/zodIssues';
import type { AppApi } from '../../common/app/api';
import type { ResultOf } from '../../common/protocol/define';
import type { AgentEvent } from '../../common/protocol/agents';
import type { HelloResult, SessionEvent } from '../../common/protocol/methods';
import type { InboxEvent, RunInfo } from '../../common/protocol/runs';
import { errorMessage } from '../../common/wire/errors';
import { ContextCache } from '../cache/contextCache';
import { acceptHostChain, mirrorHost, shareAlarm, type MirrorOutcome, type MirrorSummary } from '../cache/mirror';
import { parseHostSpec } from '../ssh/config';
import { FleetError } from '../ssh/errors';
import { appHome } from '../store/home';
import { Store } from '../store/store';
import type { BackoffOptions } from '../fleet/backoff';
import { locateBundle } from '../fleet/bundle';
import { debug } from '../fleet/debug';
import { identityChanged } from '../fleet/auditAnchors';
import { HostConnection, type RemoteCommand } from '../fleet/hostConnection';
import { CoreClient, type CoreSink } from './coreClient';
import { PromptBroker } from './promptBroker';
import { followRunEvents } from './runRequests';

export const LOCAL_HOST: HostConfig = { name: 'local', kind: 'local', target: '' };

export interface FleetCoreOptions {
  /** App data dir; default FLIGHTDECK_HOME or the per-OS app data dir. */
  home?: string;
  /** Who connects, e.g. "flightdeck-desktop" or "flightdeck-cli" (sent in host.hello, audited). */
  clientName: string;
  clientVersion?: string;
  /** Connect every configured host at once (the desktop); the CLI connects only what a command needs. */
  autoConnect?: boolean;
  backoff?: BackoffOptions;
  /** A shell command run on every VM instead of the installed bridge (skips bootstrap), or one per host. */
  remoteCommand?: RemoteCommand;
}

export type CoreEvent =
  | { type: 'hosts.changed'; host: HostView }
  | { type: 'hosts.removed'; name: string }
  | { type: 'sessions.event'; host: string; event: SessionEvent }
  | { type: 'agents.event'; host: string; event: AgentEvent }
  | { type: 'runs.event'; host: string; run: RunInfo }
  | { type: 'inbox.event'; host: string; event: InboxEvent }
  | { type: 'prompts.raised'; prompt: Prompt }
  | { type: 'prompts.settled'; id: string };

/** The one object the Electron main, the browser-mode server and the CLI share: hosts, connections, prompts. */
export class FleetCore {
  readonly prompts = new PromptBroker();
  private readonly hosts = new Map<string, HostConnection>();
  private readonly events = new Emitter<CoreEvent>();
  private readonly clients = new Set<CoreClient>();
  /** Background mirrors per host (desktop): one in flight; `again` queues one more. */
  private readonly mirroring = new Map<string, { again: boolean }>();
  private readonly mirrored = new Emitter<MirrorOutcome>();
  private closed = false;

  private constructor(
    readonly home: string,
    readonly store: Store,
    readonly cache: ContextCache,
    private readonly options: FleetCoreOptions,
  ) {
    this.prompts.onRaised((prompt) => this.events.emit({ type: 'prompts.raised', prompt }));
    this.prompts.onSettled((id) => this.events.emit({ type: 'prompts.settled', id }));
  }

  static open(options: FleetCoreOptions): FleetCore {
    const home = options.home ?? appHome();
    const core = new FleetCore(home, Store.open(home), ContextCache.open(home), options);
    for (const config of core.configuredHosts()) core.track(config);
    if (options.autoConnect) for (const host of core.hosts.values()) host.connect().catch(() => undefined);
    return core;
  }

  onEvent(listener: (event: CoreEvent) => void): Unsubscribe {
    return this.events.on(listener);
  }

  /** The stored hosts, or the embedded local host when no VM is configured. */
  private configuredHosts(): HostConfig[] {
    const stored = this.store.listHosts();
    return stored.length > 0 ? stored : [LOCAL_HOST];
  }

  private track(config: HostConfig): HostConnection {
    const connection = new HostConnection(config, {
      store: this.store,
      prompter: this.prompts,
      home: this.home,
      clientName: this.options.clientName,
      clientVersion: this.options.clientVersion ?? '0.1.0',
      backoff: this.options.backoff,
      remoteCommand: this.options.remoteCommand,
    });
    connection.onChange((host) => this.events.emit({ type: 'hosts.changed', host }));
    connection.onSessionEvent((event) => this.events.emit({ type: 'sessions.event', host: config.name, event }));
    connection.onAgentEvent((event) => this.events.emit({ type: 'agents.event', host: config.name, event }));
    connection.onConnected(() =>
      connection.lane().then(
        (lane) =>
          followRunEvents(
            lane,
            (run) => this.events.emit({ type: 'runs.event', host: config.name, run }),
            (event) => this.events.emit({ type: 'inbox.event', host: config.name, event }),
          ),
        () => undefined,
      ),
    );
    if (this.options.autoConnect) connection.onConnected(() => this.keepMirrored(connection));
    this.hosts.set(config.name, connection);
    return connection;
  }

  listHosts(): HostView[] {
    return [...this.hosts.values()].map((host) => host.view());
  }

  host(name: string): HostConnection {
    const host = this.hosts.get(name);
    if (!host) {
      const known = [...this.hosts.keys()].join(', ') || 'none';
      throw new FleetError('host-not-found', `no host named "${name}" (configured: ${known})`);
    }
    return host;
  }

  /** Saves the host, then makes the first connection attempt (prompts may be raised); the view says how it went. */
  async addHost(params: AddHostParams): Promise<HostView> {
    const parsed = AddHostParams.safeParse(params);
    if (!parsed.success) throw new FleetError('invalid-host', `invalid host: ${describeZodIssues(parsed.error)}`);
    const config = HostConfig.parse(parsed.data);
    if (config.kind === 'ssh') {
      try {
        parseHostSpec(config.target);
      } catch (error) {
        throw new FleetError('invalid-host', `invalid SSH target: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (this.store.getHost(config.name)) throw new FleetError('host-exists', `a host named "${config.name}" already exists`);
    // The embedded local host stands in only while nothing is configured.
    if (this.store.listHosts().length === 0 && config.name !== LOCAL_HOST.name) this.forget(LOCAL_HOST.name);
    this.forget(config.name);
    this.store.addHost(config);
    const host = this.track(config);
    await host.connect().catch(() => undefined);
    return host.view();
  }

  removeHost(name: string): void {
    const host = this.host(name);
    this.store.removeHost(name);
    this.store.forgetAuditAnchor(name);
    this.cache.retireHost(name);
    this.forget(name);
    this.events.emit({ type: 'hosts.removed', name: host.name });
    if (this.hosts.size === 0) {
      const local = this.track(LOCAL_HOST);
      this.events.emit({ type: 'hosts.changed', host: local.view() });
    }
  }

  private forget(name: string): void {
    this.hosts.get(name)?.close();
    this.hosts.delete(name);
  }

  async connectHost(name: string): Promise<HostView> {
    const host = this.host(name);
    await host.connect();
    return host.view();
  }

  /** The explicit trust action: connects offering the presented key to the human even when it changed. */
  async trustHost(name: string): Promise<HostView> {
    const host = this.host(name);
    host.disconnect();
    await host.connect({ retrust: true });
    return host.view();
  }

  /** Replaces an older agent-host; stops running sessions only with `force` (the human's consent). */
  upgradeHost(name: string, force: boolean): Promise<{ previousVersion: string; version: string; stoppedSessions: number }> {
    return this.host(name).upgrade(force);
  }

  /** The agent-host version this app installs on hosts. */
  bundledHostVersion(): string {
    return locateBundle().version;
  }

  /** Connects and reports the daemon's handshake and the round-trip latency. */
  async checkHost(name: string): Promise<{ host: HostView; hello: HelloResult; latencyMs: number; direct: boolean }> {
    const host = this.host(name);
    const lane = await host.lane();
    const started = performance.now();
    await lane.peer.request('session.list', {});
    return { host: host.view(), hello: lane.hello, latencyMs: Math.round((performance.now() - started) * 10) / 10, direct: lane.direct };
  }

  /**
   * Walks the host's audit chain and checks it still holds the newest record this app saw of it; an intact chain
   * moves the anchor to its head. `accept` takes the chain as it is now, ending an alarm the human has looked into.
   */
  async verifyAudit(name: string, accept: boolean): Promise<ResultOf<AppApi, 'audit.verify'>> {
    const host = this.host(name);
    const { peer, hello } = await host.lane();
    const stored = this.store.auditAnchor(name);
    const sameHost = stored !== undefined && stored.hostId === hello.hostId;
    const anchor = sameHost ? { seq: stored.seq, hash: stored.hash } : null;
    const result = await peer.request('audit.verify', anchor ? { anchor } : {});
    if (accept) await acceptHostChain(this.cache, name, hello, peer);
    let alarm = stored?.alarm ?? (stored && !sameHost ? identityChanged(name, stored, hello.hostId) : null);
    if (!alarm && result.anchorHeld === false) alarm = result.problem;
    if (accept || (!alarm && result.ok)) {
      if (result.head) this.store.saveAuditAnchor(name, hello.hostId, result.head);
      else this.store.forgetAuditAnchor(name);
      alarm = null;
    } else if (alarm && stored) this.store.raiseAuditAlarm(name, alarm);
    host.setAuditAlarm(alarm);
    // The desktop's mirror stopped at the alarm: with the chain accepted it takes the host's records in again now,
    // so the audit shown while the host is away next is the accepted chain, not the part before the rewrite.
    if (accept && this.options.autoConnect) this.mirrorInBackground(name);
    return { ...result, host: name, anchor, alarm };
  }

  /** Mirrors the host's audit and run records into the cache, connecting first; an alarm it raises shows on the host. */
  async mirrorHost(name: string, options: { pageSize?: number } = {}): Promise<MirrorSummary> {
    const host = this.host(name);
    const { hello, peer } = await host.lane();
    // The connect's anchor check first: finding no alarm, it moves the anchor on, which would clear one raised here.
    await host.checkedAuditAlarm();
    const alarm = this.store.auditAnchor(name)?.alarm ?? null;
    const summary = await mirrorHost(this.cache, name, hello, peer, { ...options, alarm });
    if (summary.alarm) host.setAuditAlarm(shareAlarm(this.store, this.cache, name, summary.alarm));
    return summary;
  }

  /** Every configured host (or those named); one that cannot be reached reports why and how old its cached copy is, and throws nothing. */
  mirrorAll(names: readonly string[] = [...this.hosts.keys()]): Promise<MirrorOutcome[]> {
    return Promise.all(names.map((name) => this.mirrorOutcome(name)));
  }

  private mirrorOutcome(name: string): Promise<MirrorOutcome> {
    return this.mirrorHost(name).then(
      (summary) => ({ host: name, ...summary }),
      (error: unknown) => {
        const state = this.closed ? undefined : this.cache.mirrorState(name);
        return { host: name, error: errorMessage(error), cachedAt: state?.mirroredAt ?? null, ageMs: state?.ageMs ?? null };
      },
    );
  }

  /** Each background mirror's outcome (desktop). */
  onMirrored(listener: (outcome: MirrorOutcome) => void): Unsubscribe {
    return this.mirrored.on(listener);
  }

  /** Desktop: mirror after each connect, and again whenever a run of the host changes. */
  private keepMirrored(connection: HostConnection): void {
    // Called from within the connect, so the lane is ready (mirrorHost waits for the anchor check this connect starts).
    connection.lane().then(
      (lane) => {
        lane.peer.onNotification('run.event', () => this.mirrorInBackground(connection.name));
        this.mirrorInBackground(connection.name);
      },
      () => undefined,
    );
  }

  /** Coalesces: at most one mirror of a host in flight and one queued, however many run events arrive meanwhile. */
  private mirrorInBackground(name: string): void {
    const pending = this.mirroring.get(name);
    if (pending) {
      pending.again = true;
      return;
    }
    const state = { again: true };
    this.mirroring.set(name, state);
    void (async () => {
      // A dropped host is mirrored again when it reconnects, not reconnected for a mirror.
      while (state.again && !this.closed && this.hosts.get(name)?.connected) {
        state.again = false;
        const outcome = await this.mirrorOutcome(name);
        if ('error' in outcome) debug(`${name}: not mirrored: ${outcome.error}`);
        if (!this.closed) this.mirrored.emit(outcome);
      }
      this.mirroring.delete(name);
    })();
  }

  /** A UI client (a window, a browser tab, a CLI command): its terminals are streams on each host's one channel. */
  openClient(sink: CoreSink): CoreClient {
    if (this.closed) throw new FleetError('closed', 'the core is closed');
    const client = new CoreClient(this, sink, () => this.clients.delete(client));
    this.clients.add(client);
    return client;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const client of [...this.clients]) client.close();
    this.prompts.withdrawAll();
    for (const host of this.hosts.values()) host.close();
    this.hosts.clear();
    this.events.clear();
    this.mirrored.clear();
    this.store.close();
    this.cache.close();
  }
}
