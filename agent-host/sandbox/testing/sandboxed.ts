import { execFile } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { probeSandbox, type SandboxReady } from '../probe';
import { sandboxCommand, type SandboxSpec } from '../sandbox';

/** The sandbox these tests exercise; a host without one fails them with the reason, it never skips them. */
export async function requireSandbox(): Promise<SandboxReady> {
  const probe = await probeSandbox();
  if (!probe.available) throw new Error(`These tests need a working bubblewrap sandbox and this host has none: ${probe.reason}`);
  return probe;
}

/** A fresh directory (real path) removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export type Layout = Partial<Omit<SandboxSpec, 'bwrap' | 'userns' | 'command' | 'args'>>;

export function specFor(probe: SandboxReady, command: string, args: string[], layout: Layout = {}): SandboxSpec {
  return {
    bwrap: probe.bwrap,
    userns: probe.userns,
    command,
    args,
    cwd: '/',
    writable: [],
    readOnly: [],
    hidden: [],
    sockets: [],
    network: 'isolated',
    privateTmp: false,
    ...layout,
  };
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sh -c script` in the sandbox without a terminal and collects its output and exit code. */
export function shIn(probe: SandboxReady, script: string, layout: Layout = {}): Promise<Ran> {
  const { command, args } = sandboxCommand(specFor(probe, '/bin/sh', ['-c', script], layout));
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      if (typeof code !== 'number') reject(new Error(`sandboxed sh did not run: ${String(error)}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** A node one-liner inside the sandbox that connects to a Unix socket or TCP port and prints CONNECTED or the error code. */
export function connectScript(target: string | number): string {
  const where = typeof target === 'number' ? `{ host: '127.0.0.1', port: ${target} }` : JSON.stringify(target);
  const js = `const s = require('net').connect(${where}); s.on('connect', () => { console.log('CONNECTED'); s.end(); }); s.on('error', (e) => { console.log(e.code); process.exitCode = 3; });`;
  return `'${process.execPath}' -e "${js.replace(/(["$`\\])/g, '\\$1')}"`;
}

/** A server (Unix socket path or TCP on 127.0.0.1) that counts the connections it accepts. */
export class CountingServer {
  private accepted = 0;
  private readonly markers = new Map<string, () => void>();

  private constructor(
    private readonly server: Server,
    readonly address: string | number,
  ) {
    server.on('connection', (socket) => {
      this.accepted += 1;
      socket.on('error', () => {});
      socket.once('data', (chunk) => this.markers.get(chunk.toString().trim())?.());
      socket.end('hello\n');
    });
  }

  static listen(where: { path: string } | { port: 0 }): Promise<CountingServer> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const ready = (): void => resolve(new CountingServer(server, 'path' in where ? where.path : (server.address() as AddressInfo).port));
      if ('path' in where) server.listen(where.path, ready);
      else server.listen(0, '127.0.0.1', ready);
    });
  }

  /**
   * How many connections others made: connects once itself with a marker and waits until the server has
   * that one — connections are accepted in order, so anything that connected before has been counted.
   */
  async settledCount(): Promise<number> {
    const marker = `marker-${this.markers.size}-${process.hrtime.bigint()}`;
    const seen = new Promise<void>((resolve) => this.markers.set(marker, resolve));
    const own = typeof this.address === 'number' ? createConnection(this.address, '127.0.0.1') : createConnection(this.address);
    own.on('error', () => {});
    own.write(`${marker}\n`);
    await seen;
    own.destroy();
    return this.accepted - this.markers.size;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A Unix socket server for a process in the sandbox to connect to and hold: `closed` settles once everything that
 * held that connection is gone (how a test sees the whole sandbox die).
 */
export async function holdingServer(path: string): Promise<{ connected: Promise<void>; closed: Promise<void>; close: () => void }> {
  let resolveConnected: () => void = () => {};
  let resolveClosed: () => void = () => {};
  const connected = new Promise<void>((resolve) => (resolveConnected = resolve));
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.on('close', () => resolveClosed());
    resolveConnected();
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { connected, closed, close: () => server.close() };
}

/** A sandboxed command in a real PTY, with its output and a way to wait for text in it. */
export class PtyRun {
  private output = '';
  private readonly watchers: Array<{ text: string; resolve: () => void }> = [];
  readonly exited: Promise<{ exitCode: number; signal?: number }>;

  constructor(readonly terminal: pty.IPty) {
    terminal.onData((data) => {
      this.output += data;
      for (const watcher of [...this.watchers]) {
        if (this.output.includes(watcher.text)) {
          this.watchers.splice(this.watchers.indexOf(watcher), 1);
          watcher.resolve();
        }
      }
    });
    this.exited = new Promise((resolve) => terminal.onExit(resolve));
  }

  static start(probe: SandboxReady, command: string, args: string[], layout: Layout = {}): PtyRun {
    const sandboxed = sandboxCommand(specFor(probe, command, args, layout));
    return new PtyRun(pty.spawn(sandboxed.command, sandboxed.args, { cols: 80, rows: 24, cwd: '/', env: process.env as Record<string, string> }));
  }

  get text(): string {
    return this.output;
  }

  /** Resolves once `text` has appeared in the output; fails (with the output so far) if the program exits first. */
  waitFor(text: string): Promise<void> {
    if (this.output.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.watchers.push({ text, resolve });
      void this.exited.then((exit) => {
        if (!this.output.includes(text)) reject(new Error(`exited (${JSON.stringify(exit)}) before printing ${JSON.stringify(text)}; output: ${JSON.stringify(this.output)}`));
      });
    });
  }
}
