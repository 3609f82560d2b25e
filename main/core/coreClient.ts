import { appApi, parseTerminalKey, type AppApi } from '../../common/app/api';
import type { NotificationNames, ParsedParamsOf, RequestNames, ResultOf } from '../../common/protocol/define';
import type { Unsubscribe } from '../../common/events';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { describeZodIssues } from '../../common/zodIssues';
import { listAliases, sshEnvironment } from '../ssh/config';
import type { HostConnection } from '../fleet/hostConnection';
import { agentRequests } from './agentRequests';
import type { FleetCore } from './fleetCore';
import { governanceRequests } from './governanceRequests';
import { runRequests } from './runRequests';
import { TerminalLane } from './terminalLane';

/** Where a UI client receives events and terminal bytes (IPC to a window, a WebSocket, the CLI's stdout). */
export interface CoreSink {
  notify<K extends NotificationNames<AppApi>>(method: K, params: ParsedParamsOf<AppApi, K>): void;
  output(key: string, offset: number, data: Uint8Array): void;
}

/** One UI client of the core: validates and dispatches its AppApi requests, streams the terminals it attached. */
export class CoreClient {
  private readonly lanes = new Map<string, { host: HostConnection; lane: TerminalLane }>();
  private readonly unsubscribe: Unsubscribe;
  private closed = false;

  constructor(
    private readonly core: FleetCore,
    private readonly sink: CoreSink,
    private readonly onClose: () => void,
  ) {
    this.unsubscribe = core.onEvent((event) => {
      switch (event.type) {
        case 'hosts.changed':
          return sink.notify('hosts.changed', { host: event.host });
        case 'hosts.removed':
          this.dropLane(event.name);
          return sink.notify('hosts.removed', { name: event.name });
        case 'sessions.event':
          return sink.notify('sessions.event', { host: event.host, event: event.event });
        case 'agents.event':
          return sink.notify('agents.event', { host: event.host, event: event.event });
        case 'runs.event':
          return sink.notify('runs.event', { host: event.host, run: event.run });
        case 'inbox.event':
          return sink.notify('inbox.event', { host: event.host, event: event.event });
        case 'prompts.raised':
          return sink.notify('prompts.raised', event.prompt);
        case 'prompts.settled':
          return sink.notify('prompts.settled', { id: event.id });
      }
    });
  }

  /** Validates `params` against the AppApi registry, then runs the request. */
  async request<K extends RequestNames<AppApi>>(method: K, params: unknown): Promise<ResultOf<AppApi, K>> {
    const definition = Object.hasOwn(appApi, method) ? appApi[method] : undefined;
    if (!definition || definition.kind !== 'request') throw new WireError(WireErrorCode.MethodNotFound, `unknown method ${method}`);
    const parsed = definition.params.safeParse(params ?? {});
    if (!parsed.success) {
      throw new WireError(WireErrorCode.InvalidParams, `invalid params for ${method}: ${describeZodIssues(parsed.error)}`);
    }
    return (await this.dispatch(method, parsed.data as never)) as ResultOf<AppApi, K>;
  }

  private async dispatch<K extends RequestNames<AppApi>>(method: K, params: ParsedParamsOf<AppApi, K>): Promise<unknown> {
    const handler = this.handlers[method] as (params: ParsedParamsOf<AppApi, K>) => unknown;
    return handler(params);
  }

  private readonly handlers: { [K in RequestNames<AppApi>]: (params: ParsedParamsOf<AppApi, K>) => Promise<ResultOf<AppApi, K>> | ResultOf<AppApi, K> } = {
    'hosts.list': () => ({ hosts: this.core.listHosts() }),
    'hosts.add': async (params) => ({ host: await this.core.addHost(params) }),
    'hosts.remove': ({ name }) => {
      this.core.removeHost(name);
      return {};
    },
    'hosts.connect': async ({ name }) => ({ host: await this.core.connectHost(name) }),
    'hosts.trust': async ({ name }) => ({ host: await this.core.trustHost(name) }),
    'hosts.upgrade': ({ name, force }) => this.core.upgradeHost(name, force),
    'hosts.sshAliases': () => ({ aliases: listAliases(sshEnvironment()) }),
    'prompts.answer': (answer) => {
      this.core.prompts.answer(answer);
      return {};
    },
    'prompts.pending': () => ({ prompts: this.core.prompts.list() }),
    'sessions.start': async ({ host, spec }) => (await this.core.host(host).lane()).peer.request('session.start', spec),
    'sessions.kill': async ({ host, sessionId }) => {
      await (await this.core.host(host).lane()).peer.request('session.kill', { sessionId });
      return {};
    },
    'sessions.signal': async ({ host, sessionId, signal }) => {
      await (await this.core.host(host).lane()).peer.request('session.signal', { sessionId, signal });
      return {};
    },
    'sessions.input': async ({ host, sessionId, data }) => {
      await (await this.core.host(host).lane()).peer.request('session.input', { sessionId, data });
      return {};
    },
    'sessions.remove': async ({ host, sessionId }) => {
      await (await this.core.host(host).lane()).peer.request('session.remove', { sessionId });
      return {};
    },
    ...governanceRequests(() => this.core),
    ...agentRequests((host) => this.core.host(host).lane()),
    ...runRequests(() => this.core),
    'terminal.attach': ({ host, sessionId, fromOffset, screenFirst }) => this.terminals(host).attach(sessionId, fromOffset, screenFirst),
    'terminal.detach': async ({ host, sessionId }) => {
      await this.lanes.get(host)?.lane.detach(sessionId);
      return {};
    },
    'terminal.resize': async ({ host, sessionId, cols, rows }) => {
      await this.terminals(host).resize(sessionId, cols, rows);
      return {};
    },
  };

  /** Keystrokes for an attached terminal, keyed by terminalKey(host, sessionId). */
  input(key: string, data: Uint8Array): void {
    const parsed = parseTerminalKey(key);
    if (parsed) this.lanes.get(parsed.host)?.lane.input(parsed.sessionId, data);
  }

  /** A terminal's automatic answer to a query (device attributes, cursor position), not typing. */
  reply(key: string, data: Uint8Array): void {
    const parsed = parseTerminalKey(key);
    if (parsed) this.lanes.get(parsed.host)?.lane.reply(parsed.sessionId, data);
  }

  /** The consumer has shown everything before `offset`: lets the host send more (flow control). */
  ack(key: string, offset: number): void {
    const parsed = parseTerminalKey(key);
    if (parsed) this.lanes.get(parsed.host)?.lane.ack(parsed.sessionId, offset);
  }

  private terminals(hostName: string): TerminalLane {
    const host = this.core.host(hostName);
    const existing = this.lanes.get(hostName);
    if (existing && existing.host === host) return existing.lane;
    existing?.lane.close();
    const lane = new TerminalLane(host, {
      output: (key, offset, data) => this.sink.output(key, offset, data),
      viewer: (name, event) => this.sink.notify('terminal.viewer', { host: name, event }),
    });
    this.lanes.set(hostName, { host, lane });
    return lane;
  }

  private dropLane(hostName: string): void {
    this.lanes.get(hostName)?.lane.close();
    this.lanes.delete(hostName);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const { lane } of this.lanes.values()) lane.close();
    this.lanes.clear();
    this.onClose();
  }
}
