import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client, ClientChannel } from 'ssh2';
import { SocketTransport } from '../../../agent-host/wire/socketTransport';
import { hostProtocol, type AttachResult, type HelloResult, type HostProtocol } from '../../../common/protocol/methods';
import { PROTOCOL_VERSION } from '../../../common/protocol/version';
import { RpcPeer } from '../../../common/wire/peer';
import { connectSsh2, shellQuote, type SshTarget } from '../ssh';

const execFileAsync = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The bench builds its own agent-host bundle, so a rebuild by someone else mid-run cannot change what is measured. */
export const BENCH_BUNDLE = join(ROOT, 'out', 'bench', 'agent-host.mjs');

export async function buildBenchBundle(): Promise<void> {
  await execFileAsync(process.execPath, [join(ROOT, 'scripts', 'build-agent-host.mjs'), '--outfile', BENCH_BUNDLE], { cwd: ROOT });
}

export interface HostOptions {
  stateDir: string;
  /** Daemon flags the bridge forwards when it starts it, e.g. ['--retention-bytes', '1073741824']. */
  flags?: string[];
  /** Reuse an SSH connection (several bridges on one connection). */
  client?: Client;
}

/** One SSH connection running `agent-host bridge` on an exec channel, with the handshake done: the app's path to a host. */
export class BenchHost {
  private constructor(
    readonly client: Client,
    readonly channel: ClientChannel,
    readonly peer: RpcPeer<HostProtocol>,
    readonly hello: HelloResult,
    private readonly ownsClient: boolean,
  ) {}

  static async open(sshd: SshTarget, options: HostOptions): Promise<BenchHost> {
    const client = options.client ?? (await connectSsh2(sshd));
    const command = [process.execPath, BENCH_BUNDLE, 'bridge', '--state-dir', options.stateDir, ...(options.flags ?? [])].map(shellQuote).join(' ');
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(command, (error, stream) => (error ? reject(error) : resolve(stream))),
    );
    let stderr = '';
    channel.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const peer = new RpcPeer(hostProtocol, new SocketTransport(channel, channel), { requestTimeoutMs: 60_000 });
    try {
      const hello = await peer.request('host.hello', {
        protocolVersion: PROTOCOL_VERSION,
        client: { name: 'flightdeck-bench', version: '0.0.0', user: 'bench@laptop' },
      });
      return new BenchHost(client, channel, peer, hello, options.client === undefined);
    } catch (error) {
      if (options.client === undefined) client.end();
      throw new Error(`agent-host bridge did not handshake: ${error instanceof Error ? error.message : String(error)} ${stderr}`);
    }
  }

  get daemonPid(): number {
    return this.hello.pid;
  }

  close(): void {
    this.peer.close();
    if (this.ownsClient) this.client.end();
  }

  /** Stops the daemon this bench started (by its own pid, after asking it politely). */
  async shutdown(): Promise<void> {
    await this.peer.request('host.shutdown', { force: true }, { timeoutMs: 10_000 }).catch(() => undefined);
    this.close();
    const deadline = Date.now() + 5_000;
    while (isAlive(this.daemonPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (isAlive(this.daemonPid)) process.kill(this.daemonPid, 'SIGKILL');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One session's OUTPUT frames as a viewer: checks each frame starts exactly where the last ended (no gap, no
 * duplicate) and acks it at once, as the renderer does from xterm's write callback.
 * Create it BEFORE sending session.attach: the first frames can arrive in the same read as the answer, before
 * the answer's continuation runs. Frames are held until `start(streamFrom)`.
 */
export class OutputFollower {
  private next = -1;
  private held: Array<{ offset: number; data: Uint8Array }> = [];
  private failure: Error | undefined;
  private readonly unsubscribe: () => void;
  received = 0;

  constructor(
    private readonly peer: RpcPeer<HostProtocol>,
    private readonly sessionId: string,
    private readonly onData: (data: Uint8Array) => void,
    private readonly options: { ack?: boolean } = {},
  ) {
    this.unsubscribe = peer.onOutput((frame) => {
      if (frame.sessionId !== sessionId || this.failure) return;
      if (this.next < 0) this.held.push({ offset: frame.offset, data: frame.data.slice() });
      else this.accept(frame.offset, frame.data);
    });
  }

  /** Where the attach answer says the stream starts. */
  start(streamFrom: number): void {
    this.next = streamFrom;
    for (const frame of this.held.splice(0)) this.accept(frame.offset, frame.data);
  }

  get offset(): number {
    return this.next;
  }

  get error(): Error | undefined {
    return this.failure;
  }

  stop(): void {
    this.unsubscribe();
  }

  private accept(offset: number, data: Uint8Array): void {
    if (this.failure) return;
    if (offset !== this.next) {
      this.failure = new Error(`session ${this.sessionId}: OUTPUT at offset ${offset}, expected ${this.next}`);
      return;
    }
    this.next += data.length;
    this.received += data.length;
    this.onData(data);
    if (this.options.ack ?? true) this.peer.sendAck(this.sessionId, this.next);
  }
}

/** Attaches as a viewer and follows the stream from wherever the host says it starts. */
export async function attachAndFollow(
  peer: RpcPeer<HostProtocol>,
  sessionId: string,
  fromOffset: number | null,
  onData: (data: Uint8Array) => void,
  options: { ack?: boolean } = {},
): Promise<{ follower: OutputFollower; attached: AttachResult }> {
  const follower = new OutputFollower(peer, sessionId, onData, options);
  try {
    const attached = await peer.request('session.attach', { sessionId, fromOffset });
    follower.start(attached.streamFrom);
    return { follower, attached };
  } catch (error) {
    follower.stop();
    throw error;
  }
}
