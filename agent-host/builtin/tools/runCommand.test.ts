import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeadTail, MAX_OUTPUT_BYTES, runCommandTool } from './runCommand';
import type { ToolContext } from './toolSpec';

let root: string;
let context: ToolContext;
const env = {
  PATH: process.env.PATH,
  FLIGHTDECK_AGENT_TOKEN: 'endpoint-token',
  FLIGHTDECK_AGENT_SOCKET: '/run/agent.sock',
  ANTHROPIC_API_KEY: 'sk-ant-not-for-commands',
  KEPT: 'visible',
};
const tool = runCommandTool(env);

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'fd-cmd-')));
  context = { root, signal: new AbortController().signal };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Dead or a zombie waiting for its parent: either way it runs no more. */
function isGone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

describe('run_command', () => {
  it('runs bash in the worktree with stdout and stderr merged, and reports the exit code', async () => {
    const outcome = await tool.run({ command: 'pwd; echo out; echo err >&2; exit 0' }, context);
    expect(outcome).toEqual({ ok: true, content: `${root}\nout\nerr\n[exit code 0]`, summary: expect.stringMatching(/^exit 0, /) });
    const failing = await tool.run({ command: 'echo nope; exit 7' }, context);
    expect(failing).toMatchObject({ ok: false, content: 'nope\n[exit code 7]' });
    expect((await tool.run({ command: 'true' }, context)).content).toBe('(no output)\n[exit code 0]');
  });

  it('hides the endpoint and the API credentials from commands', async () => {
    const outcome = await tool.run({ command: 'echo "[$FLIGHTDECK_AGENT_TOKEN|$FLIGHTDECK_AGENT_SOCKET|$ANTHROPIC_API_KEY|$KEPT]"' }, context);
    expect(outcome.content).toBe('[|||visible]\n[exit code 0]');
  });

  it('keeps the head and the tail of a long output, saying it was capped', async () => {
    const outcome = await tool.run({ command: 'echo START; head -c 100000 /dev/zero | tr "\\0" x; echo; echo END' }, context);
    expect(outcome.content.startsWith('START\nxxx')).toBe(true);
    expect(outcome.content).toMatch(/\[output capped: 97\.7 KB in all; 67\.7 KB in the middle left out\]/);
    expect(outcome.content.endsWith('xxx\nEND\n[exit code 0]')).toBe(true);
    expect(outcome.content.length).toBeLessThan(MAX_OUTPUT_BYTES + 200);
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = join(root, 'child.pid');
    const outcome = await tool.run({ command: `sleep 60 & echo $! > ${pidFile}; echo started; wait`, timeout_s: 0.3 }, context);
    expect(outcome.ok).toBe(false);
    expect(outcome.content).toBe('started\n[timed out after 0.3 s: the command and its process group were killed]');
    expect(isGone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('kills the command when the agent stops it', async () => {
    const controller = new AbortController();
    const running = tool.run({ command: 'echo begun; sleep 60' }, { root, signal: controller.signal });
    // The command is spawned before run() first awaits: this abort finds it running.
    controller.abort();
    const outcome = await running;
    expect(outcome.ok).toBe(false);
    expect(outcome.content).toContain('[killed by SIGKILL]');
  });

  it('returns when the shell exits even if a background process keeps the output open', async () => {
    const outcome = await tool.run({ command: 'sleep 60 & echo $!' }, context);
    const pid = Number(outcome.content.split('\n')[0]);
    try {
      expect(outcome.ok).toBe(true);
      expect(outcome.content).toContain('[exit code 0; background processes still held the output open; their later output is not shown]');
      expect(isGone(pid)).toBe(false);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});

describe('HeadTail', () => {
  it('keeps everything up to twice its half, then the first and last half', () => {
    const small = new HeadTail(4);
    for (const part of ['ab', 'cdef', 'gh']) small.push(Buffer.from(part));
    expect(small.text()).toBe('abcdefgh');
    const big = new HeadTail(4);
    for (const part of ['abc', 'defg', 'hij', 'klmno', 'p']) big.push(Buffer.from(part));
    expect(big.text()).toBe('abcd\n[output capped: 16 B in all; 8 B in the middle left out]\nmnop');
  });
});
