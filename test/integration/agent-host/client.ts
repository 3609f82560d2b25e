// Test-side helpers for talking to a real agent-host: a bridge as a local child or over an SSH exec
// channel, a typed RpcPeer on top, and a collector that checks OUTPUT offsets are contiguous.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { SocketTransport } from '../../../agent-host/wire/socketTransport';
import { hostProtocol, type HelloResult, type HostProtocol } from '../../../common/protocol/methods';
import { PROTOCOL_VERSION } from '../../../common/protocol/version';
import { RpcPeer } from '../../../common/wire/peer';

export const AGENT_HOST_BUNDLE = join(import.meta.dirname, '../../../out/agent-host/agent-host.mjs');

export type HostPeer = RpcPeer<HostProtocol>;

export interface BridgeOptions {
  stateDir: string;
  /** Extra flags for the bridge (forwarded to the daemon it starts), e.g. ['--stall-timeout-ms', '500']. */
  args?: string[];
}

export function bridgeArgs(options: BridgeOptions): string[] {
  return ['bridge', '--state-dir', options.stateDir, ...(options.args ?? [])];
}

export interface LocalBridge {
  child: ChildProcess;
  peer: HostPeer;
  stderr(): string;
}

/** `node agent-host.mjs bridge` as a local child; its stdio is the transport. */
export function spawnLocalBridge(options: BridgeOptions): LocalBridge {
  const child = spawn(process.execPath, [AGENT_HOST_BUNDLE, ...bridgeArgs(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const peer = new RpcPeer(hostProtocol, new SocketTransport(child.stdout!, child.stdin!), { requestTimeoutMs: 20_000 });
  return { child, peer, stderr: () => stderr };
}

/** The bridge as the remote command of an SSH exec channel, as the desktop app runs it. */
export function execSshBridge(ssh: Client, options: BridgeOptions): Promise<{ channel: ClientChannel; peer: HostPeer }> {
  const command = [process.execPath, AGENT_HOST_BUNDLE, ...bridgeArgs(options)].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    ssh.exec(command, (error, channel) => {
      if (error) return reject(error);
      const peer = new RpcPeer(hostProtocol, new SocketTransport(channel, channel), { requestTimeoutMs: 20_000 });
      resolve({ channel, peer });
    });
  });
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function hello(peer: HostPeer, user = 'tester@laptop', name = 'flightdeck-test'): Promise<HelloResult> {
  return peer.request('host.hello', { protocolVersion: PROTOCOL_VERSION, client: { name, version: '0.0.0', user } });
}

/**
 * Gathers one session's OUTPUT frames for a peer, failing loudly on a gap or overlap, and (unless told
 * not to) acking each frame as a renderer would from xterm's write callback.
 */
export class OutputCollector {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private waiters: { predicate: () => boolean; resolve: () => void }[] = [];
  next: number;
  error: Error | undefined;
  autoAck: boolean;

  constructor(
    private readonly peer: HostPeer,
    readonly sessionId: string,
    from: number,
    options: { autoAck?: boolean } = {},
  ) {
    this.next = from;
    this.autoAck = options.autoAck ?? true;
    peer.onOutput((frame) => {
      if (frame.sessionId !== sessionId) return;
      if (frame.offset !== this.next) {
        this.error ??= new Error(`offset gap/overlap: expected ${this.next}, got ${frame.offset}`);
        return;
      }
      this.chunks.push(frame.data.slice());
      this.size += frame.data.length;
      this.next += frame.data.length;
      if (this.autoAck) peer.sendAck(sessionId, this.next);
      this.check();
    });
  }

  get bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    this.chunks = [out];
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes);
  }

  sha256(): string {
    return createHash('sha256').update(this.bytes).digest('hex');
  }

  ack(): void {
    this.peer.sendAck(this.sessionId, this.next);
  }

  /** Resolves when the predicate holds on what arrived so far; rejects after timeoutMs. */
  until(predicate: (collector: OutputCollector) => boolean, timeoutMs = 20_000, what = 'output'): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; have ${this.size} bytes ending ${JSON.stringify(this.text().slice(-200))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ predicate: () => predicate(this), resolve: done });
    });
  }

  untilText(needle: string | RegExp, timeoutMs?: number): Promise<void> {
    return this.until((c) => (typeof needle === 'string' ? c.text().includes(needle) : needle.test(c.text())), timeoutMs, String(needle));
  }

  private check(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate()) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve();
      }
    }
  }
}

/** Polls a real condition with a deadline, for things that raise no event (process gone, file written). */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 15_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
