import { spawn, type ChildProcess } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { withoutInheritedDescriptors } from '../sandbox/inheritedDescriptors';
import { resolveCommand } from '../sessions/resolveCommand';
import { descendants, signalGroup, signalTree } from './processTree';

export interface StdioServerSpec {
  command: string;
  args: string[];
  /** The whole environment of the process: nothing is inherited. */
  env: Record<string, string>;
  cwd?: string;
  /** Each line the server writes to stderr (cut at 2000 characters). */
  onStderr?: (line: string) => void;
  /** Largest message (one line of stdout) accepted; a longer one ends the connection. */
  maxMessageBytes?: number;
  /** How long close() lets the server end on SIGTERM before everything left of its tree gets SIGKILL. */
  closeGraceMs?: number;
}

const MAX_STDERR_LINE = 2000;
const STDERR_TAIL_LINES = 10;
/** After the server exits, how long its stdout may keep flowing (a descendant holding it) before the end is declared. */
const DRAIN_MS = 500;

/**
 * An MCP stdio client transport for upstream servers run by the daemon. Unlike the SDK's StdioClientTransport it
 * inherits nothing from the daemon's environment (the SDK's adds HOME, LOGNAME, PATH, SHELL, TERM, USER), starts the
 * server in a process group of its own so that close() ends its whole process tree, gives it no descriptor of the
 * daemon's but its three pipes (the daemon's PTY masters are inheritable: inheritedDescriptors.ts), and keeps the exit
 * status and the last stderr lines to say why a server went away.
 */
export class IsolatedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private readonly readBuffer: ReadBuffer;
  private readonly stderrTail: string[] = [];
  private exitStatus: string | undefined;
  private ended = false;
  private readonly exited: Promise<void>;
  private markExited!: () => void;

  constructor(private readonly spec: StdioServerSpec) {
    this.readBuffer = new ReadBuffer({ maxBufferSize: spec.maxMessageBytes ?? 32 * 1024 * 1024 });
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * How the process ended ("exited with code 1", "killed by SIGKILL"), with its last stderr lines if `withStderr` (for
   * the daemon's log: stderr may hold what the agent is not to see); undefined while it runs.
   */
  describeExit(withStderr = false): string | undefined {
    if (this.exitStatus === undefined) return undefined;
    const tail = withStderr ? this.stderrTail.join('\n').trim() : '';
    return tail ? `${this.exitStatus}; its last stderr lines: ${tail}` : this.exitStatus;
  }

  start(): Promise<void> {
    if (this.child || this.ended) throw new Error('IsolatedStdioTransport: already started');
    return new Promise((resolve, reject) => {
      // A process that could not be started (not found, ENOENT, EACCES) never emits exit.
      const notStarted = (error: Error): void => {
        this.exitStatus = `could not be started: ${error.message}`;
        this.markExited();
        this.finish();
        reject(error);
      };
      let launch: string[];
      try {
        // Found here, so a missing server is named as such rather than as the launcher's exit 127.
        const command = resolveCommand(this.spec.command, this.spec.cwd ?? process.cwd(), this.spec.env.PATH);
        launch = withoutInheritedDescriptors('mcp gateway', command, this.spec.args);
      } catch (error) {
        notStarted(error as Error);
        return;
      }
      const child = spawn(launch[0]!, launch.slice(1), {
        env: this.spec.env,
        cwd: this.spec.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group (and session): the whole tree can be signalled at once.
        detached: true,
        shell: false,
      });
      this.child = child;
      let spawned = false;
      child.on('error', (error) => {
        if (spawned) return this.onerror?.(error);
        notStarted(error);
      });
      child.once('spawn', () => {
        spawned = true;
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.exitStatus = signal ? `killed by ${signal}` : `exited with code ${code}`;
        this.markExited();
        // What it left behind in its group goes too; its stdout gets a moment to deliver what was written.
        signalGroup(child.pid!, 'SIGKILL');
        const drained = setTimeout(() => this.finish(), DRAIN_MS);
        drained.unref();
        child.once('close', () => {
          clearTimeout(drained);
          this.finish();
        });
      });
      child.stdin!.on('error', (error) => this.onerror?.(error));
      child.stdout!.on('error', (error) => this.onerror?.(error));
      child.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
      let partial = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!.slice(0, MAX_STDERR_LINE);
        for (const line of lines) this.stderrLine(line);
      });
      child.stderr!.on('end', () => {
        if (partial) this.stderrLine(partial);
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.ended || !stdin.writable) return Promise.reject(new Error('the MCP server is not running'));
    return new Promise((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Ends the server: stdin closed and SIGTERM to its tree, then SIGKILL to whatever is left after the grace time. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined || this.exitStatus !== undefined) {
      this.finish();
      return;
    }
    const tree = descendants(child.pid);
    child.stdin?.end();
    signalTree(child.pid, tree, 'SIGTERM');
    const grace = () => new Promise<void>((resolve) => setTimeout(resolve, this.spec.closeGraceMs ?? 1000).unref());
    await Promise.race([this.exited, grace()]);
    signalTree(child.pid, tree, 'SIGKILL');
    // SIGKILL is not refused; the bound is for a process stuck in the kernel, which must not hang the daemon.
    await Promise.race([this.exited, grace()]);
    this.finish();
  }

  private receive(chunk: Buffer): void {
    try {
      this.readBuffer.append(chunk);
    } catch (error) {
      this.onerror?.(error as Error);
      void this.close();
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch (error) {
        // A line that is not a JSON-RPC message: reported, skipped.
        this.onerror?.(error as Error);
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  private stderrLine(line: string): void {
    const cut = line.slice(0, MAX_STDERR_LINE);
    this.stderrTail.push(cut);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    this.spec.onStderr?.(cut);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.readBuffer.clear();
    this.child?.stdin?.destroy();
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    this.onclose?.();
  }
}
