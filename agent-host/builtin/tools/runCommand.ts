import { spawn } from 'node:child_process';
import { z } from 'zod';
import { AGENT_ENV } from '../../../common/protocol/agentEndpoint';
import { defineTool, formatBytes, ToolFailure, type ToolOutcome } from './toolSpec';

/** What the model gets of a command's output at most: its head and its tail, the middle left out. */
export const MAX_OUTPUT_BYTES = 30 * 1024;
export const DEFAULT_TIMEOUT_S = 120;
/** After the shell exits, a background process may still hold the output pipe: wait this long, then stop reading. */
const AFTER_EXIT_GRACE_MS = 2000;
/** The endpoint's token would let a command speak as the agent; the API credentials must not leave through one. */
const HIDDEN_ENV = [AGENT_ENV.socket, AGENT_ENV.token, 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'];

/** Keeps the first and the last `half` bytes of a stream of any length. */
export class HeadTail {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  total = 0;

  constructor(private readonly half: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headBytes < this.half) {
      const taken = chunk.subarray(0, this.half - this.headBytes);
      this.head.push(taken);
      this.headBytes += taken.length;
      chunk = chunk.subarray(taken.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.half) this.tailBytes -= this.tail.shift()!.length;
  }

  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail);
    if (this.total <= 2 * this.half) return head + tail.toString('utf8');
    const omitted = this.total - 2 * this.half;
    const note = `[output capped: ${formatBytes(this.total)} in all; ${formatBytes(omitted)} in the middle left out]`;
    return `${head}\n${note}\n${tail.subarray(tail.length - this.half).toString('utf8')}`;
  }
}

interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function runCommandTool(env: Record<string, string | undefined>) {
  const childEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !HIDDEN_ENV.includes(name)));
  return defineTool({
    name: 'run_command',
    description:
      'Run a bash command in the worktree (bash -c; stdin is empty). stdout and stderr come back merged with the ' +
      `exit code; output over ${formatBytes(MAX_OUTPUT_BYTES)} keeps its head and tail. timeout_s (default ` +
      `${DEFAULT_TIMEOUT_S}) kills the command and everything it started.`,
    input: z.object({ command: z.string().min(1).max(64 * 1024), timeout_s: z.number().positive().max(3600).optional() }),
    async run({ command, timeout_s = DEFAULT_TIMEOUT_S }, { root, signal }): Promise<ToolOutcome> {
      signal.throwIfAborted();
      // Its own process group (and session: no controlling terminal, so it cannot read or reset the agent's PTY).
      const child = spawn('bash', ['-c', command], { cwd: root, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const output = new HeadTail(MAX_OUTPUT_BYTES / 2);
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
      const killGroup = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is gone already.
        }
      };
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeout_s * 1000);
      signal.addEventListener('abort', killGroup, { once: true });
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      let ending: Ending;
      try {
        ending = await new Promise<Ending>((resolve, reject) => {
          child.once('error', (error) => reject(new ToolFailure(`cannot run bash: ${error.message}`)));
          child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
        });
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', killGroup);
      }
      const detached = await closedOrGrace(closed, () => {
        child.stdout.destroy();
        child.stderr.destroy();
      });
      const text = output.text();
      const status = timedOut
        ? `timed out after ${timeout_s} s: the command and its process group were killed`
        : ending.code !== null
          ? `exit code ${ending.code}`
          : `killed by ${ending.signal ?? 'a signal'}`;
      const notes = [status];
      if (detached) notes.push('background processes still held the output open; their later output is not shown');
      const ok = !timedOut && ending.code === 0;
      const shown = text === '' ? '(no output)\n' : text.endsWith('\n') ? text : `${text}\n`;
      const short = timedOut ? `timed out after ${timeout_s} s` : status.replace('exit code', 'exit');
      return { ok, content: `${shown}[${notes.join('; ')}]`, summary: `${short}, ${formatBytes(output.total)} of output` };
    },
  });
}

/** Resolves true when the pipes were still open after the grace period (and were let go), false when they closed. */
async function closedOrGrace(closed: Promise<void>, letGo: () => void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), AFTER_EXIT_GRACE_MS);
  });
  const detached = await Promise.race([closed.then(() => false), graceOver]);
  clearTimeout(timer);
  if (detached) letGo();
  return detached;
}
