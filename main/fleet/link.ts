import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { Emitter, type Unsubscribe } from '../../common/events';
import { BridgeExitCode } from '../../common/protocol/bridgeExit';
import type { SshConnection } from '../ssh/connect';
import { FleetError } from '../ssh/errors';
import { bridgeCommand, type RemoteLayout } from './bootstrap';
import type { AgentHostBundle } from './bundle';
import { execChannel, execCollect } from './remoteExec';
import { BridgeTransport } from './bridgeTransport';

/** One live route to a host's agent-host: opens bridge streams on it, and says when it drops. */
export interface Link {
  openBridge(): Promise<BridgeTransport>;
  /** A stream straight to the daemon's Unix socket (HelloResult.directSocket), no bridge process in between. */
  openDirect(socketPath: string): Promise<BridgeTransport>;
  onDrop(listener: (error?: Error) => void): Unsubscribe;
  /** Whether a process (the daemon, by the pid from host.hello) still runs on the host. */
  isRunning(pid: number): Promise<boolean>;
  close(): void;
  readonly description: string;
}

/** How long a closed bridge gets to take its last queued bytes and exit before its channel or process is cut. */
const CLOSE_GRACE_MS = 5_000;

function exitError(what: string, code: number | null, signal: string | null, stderr: string): Error | undefined {
  if (code === 0) return undefined;
  // Starting it again would fail the same way (the bridge says why): stop retrying until the human acts.
  if (code === BridgeExitCode.DaemonStartFailed || code === BridgeExitCode.StateDirRefused) {
    return new FleetError('agent-host-start-failed', stderr.trim().replace(/^agent-host bridge: /, ''));
  }
  const why = signal ? `signal ${signal}` : `exit ${code}`;
  return new Error(`${what} ended (${why})${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
}

/**
 * Ends the bridge's input after what is still queued (ssh2's Channel.close() and a kill both drop writes waiting for
 * window or pipe space), so the bridge sees EOF and exits; cuts it only if it has not ended within the grace time.
 */
function endGracefully(input: Writable, ended: EventEmitter, cut: () => void): void {
  input.end();
  const timer = setTimeout(cut, CLOSE_GRACE_MS);
  timer.unref();
  ended.once('close', () => clearTimeout(timer));
}

/** The bridge over SSH exec channels, all on one SSH connection per host. */
export class SshLink implements Link {
  private readonly drops = new Emitter<Error | undefined>();
  private closing = false;

  constructor(
    private readonly connection: SshConnection,
    private readonly layout: RemoteLayout,
    readonly description: string,
    private readonly remoteCommand: string | undefined,
  ) {
    const dropped = (error?: Error): void => {
      if (this.closing) return;
      this.closing = true;
      this.connection.close();
      this.drops.emit(error);
      this.drops.clear();
    };
    for (const hop of connection.hops) {
      hop.on('close', () => dropped(new Error(`SSH connection to ${description} closed`)));
      hop.on('error', (error: Error) => dropped(error));
    }
  }

  async openBridge(): Promise<BridgeTransport> {
    const channel = await execChannel(this.connection.client, this.remoteCommand ?? bridgeCommand(this.layout));
    let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
    const transport = new BridgeTransport(channel, channel, channel.stderr, () => endGracefully(channel, channel, () => channel.close()));
    channel.on('exit', (code: number | null, signal?: string) => {
      exit = { code, signal: signal ?? null };
    });
    channel.on('close', () => transport.ended(exitError('agent-host bridge', exit.code, exit.signal, transport.stderr)));
    return transport;
  }

  /** A direct-streamlocal channel; sshd refuses it where forwarding is off (AllowStreamLocalForwarding, `restrict`). */
  async openDirect(socketPath: string): Promise<BridgeTransport> {
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      this.connection.client.openssh_forwardOutStreamLocal(socketPath, (error, opened) => (error ? reject(error) : resolve(opened))),
    );
    const transport = new BridgeTransport(channel, channel, null, () => endGracefully(channel, channel, () => channel.close()));
    channel.on('close', () => transport.ended());
    return transport;
  }

  onDrop(listener: (error?: Error) => void): Unsubscribe {
    return this.drops.on(listener);
  }

  async isRunning(pid: number): Promise<boolean> {
    const result = await execCollect(this.connection.client, `kill -0 ${Math.trunc(pid)} 2>/dev/null && echo running || echo gone`);
    return result.stdout.trim() === 'running';
  }

  close(): void {
    this.closing = true;
    this.drops.clear();
    this.connection.close();
  }
}

/**
 * The Node that runs the local agent-host. Under Electron the daemon's native addons are built for plain Node,
 * not Electron's ABI, so a real `node` is used (FLIGHTDECK_LOCAL_NODE, else the PATH); ELECTRON_RUN_AS_NODE covers
 * the case where that is Electron after all.
 */
function localNode(): string {
  if (process.env.FLIGHTDECK_LOCAL_NODE) return process.env.FLIGHTDECK_LOCAL_NODE;
  return process.versions.electron ? 'node' : process.execPath;
}

/** The embedded local host: agent-host as a child process of this app, same bridge contract, no SSH. */
export class LocalLink implements Link {
  private readonly drops = new Emitter<Error | undefined>();
  private readonly children = new Set<ReturnType<typeof spawn>>();
  private readonly sockets = new Set<Socket>();
  readonly description = 'this machine';

  constructor(
    private readonly bundle: Pick<AgentHostBundle, 'file' | 'bridgeFile'>,
    private readonly stateDir: string,
  ) {}

  async openBridge(): Promise<BridgeTransport> {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const command = this.bundle.bridgeFile ? [this.bundle.bridgeFile] : [this.bundle.file, 'bridge'];
    const child = spawn(localNode(), [...command, '--state-dir', this.stateDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    this.children.add(child);
    const transport = new BridgeTransport(child.stdout, child.stdin, child.stderr, () => endGracefully(child.stdin, child, () => child.kill()));
    child.once('error', (error) => transport.ended(error));
    child.once('close', (code, signal) => {
      this.children.delete(child);
      transport.ended(exitError('local agent-host bridge', code, signal, transport.stderr));
    });
    return transport;
  }

  async openDirect(socketPath: string): Promise<BridgeTransport> {
    const socket = connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    this.sockets.add(socket);
    const transport = new BridgeTransport(socket, socket, null, () => endGracefully(socket, socket, () => socket.destroy()));
    socket.once('close', () => {
      this.sockets.delete(socket);
      transport.ended();
    });
    return transport;
  }

  onDrop(listener: (error?: Error) => void): Unsubscribe {
    return this.drops.on(listener);
  }

  async isRunning(pid: number): Promise<boolean> {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  close(): void {
    for (const child of this.children) child.kill();
    this.children.clear();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
