// The hook clients as processes, the way a CLI runs them — `agent-host hook` (Node) and hook.pl (Perl, what hookArgv
// picks where perl exists): each must exit 2 (block) on every failure, since any other non-zero exit lets Claude Code
// run the tool, and both must answer alike.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentEndpointProtocol, AGENT_ENV } from '../../../common/protocol/agentEndpoint';
import { RpcPeer } from '../../../common/wire/peer';
import { HOOK_DEADLINE_MS, HOOK_SCRIPT, hookDeadlineMs, hookTimeoutSeconds } from '../../../agent-host/cliAgents/hookCommand';
import { APPROVAL_TIMEOUT_MS } from '../../../agent-host/governance/approvals';
import { SocketTransport } from '../../../agent-host/wire/socketTransport';
import { AGENT_HOST_BUNDLE } from '../agent-host/client';
import { scratch, TestEndpoint, TOKEN } from './fixture';

let dirs: ReturnType<typeof scratch>;

beforeAll(() => {
  dirs = scratch();
});
afterAll(() => dirs.cleanup());

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface HookClient {
  /** The argv it is run with (as hookArgv builds it); args are AGENT EVENT [PAYLOAD]. */
  argv(args: string[]): string[];
  /** How long it waits for the host before it gives up. */
  deadlineMs: number;
}
// hook.pl takes its deadline on the command line (hookArgv passes hookDeadlineMs): a short one keeps the test short.
const PERL_DEADLINE_MS = 1500;
const CLIENTS: [string, HookClient][] = [
  ['agent-host hook', { argv: (args) => [process.execPath, AGENT_HOST_BUNDLE, 'hook', ...args], deadlineMs: HOOK_DEADLINE_MS }],
  [
    'hook.pl',
    { argv: (args) => ['perl', join(dirname(AGENT_HOST_BUNDLE), HOOK_SCRIPT), `--deadline-ms=${PERL_DEADLINE_MS}`, ...args], deadlineMs: PERL_DEADLINE_MS },
  ],
];

/** Runs the hook client with ARGS and `stdin` (null: a stdin that never ends, like a terminal nobody types in). */
function spawnHook(client: HookClient, args: string[], stdin: string | null, env: Record<string, string>): Promise<Outcome> {
  const started = Date.now();
  const [command, ...argv] = client.argv(args);
  const child = spawn(command!, argv, { env: { PATH: process.env.PATH ?? '', ...env } });
  // A client that refuses its command line exits without reading stdin: writing it then fails with EPIPE, which the
  // exit code and stderr already answer for.
  child.stdin.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  if (stdin !== null) child.stdin.end(stdin);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })));
}

const envFor = (socketPath: string) => ({ [AGENT_ENV.socket]: socketPath, [AGENT_ENV.token]: TOKEN });
const preToolUse = JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: 'toolu_9' });

/** An endpoint whose hook.event answers as the test says (or never). */
async function customEndpoint(name: string, answer: () => unknown): Promise<{ socketPath: string; server: Server }> {
  const socketPath = join(dirs.root, `${name}.sock`);
  const server = createServer((socket) => {
    const peer = new RpcPeer(agentEndpointProtocol, new SocketTransport(socket));
    peer.handle('agent.hello', () => ({
      name: 'a1',
      kind: 'claude-code' as const,
      worktree: '/',
      branch: 'b',
      task: 't',
      model: null,
      limits: { maxTurns: 1, maxTokens: 1, contextTokens: 1 },
      turns: 0,
      conversation: null,
    }));
    peer.handle('hook.event', answer as never);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { socketPath, server };
}

describe.each(CLIENTS)('%s', (_, client) => {
  const runHook = (args: string[], stdin: string | null, env: Record<string, string>) => spawnHook(client, args, stdin, env);

  it('prints the host’s answer and exits with its code: allow (0, JSON on stdout) and deny (2, reason on stderr)', async () => {
    const socketPath = join(dirs.root, 'ok.sock');
    const endpoint = await TestEndpoint.start(socketPath, {
      decide: (_, input) => (input.command === 'ls' ? { decision: 'allow', reason: null, rule: 'r1' } : { decision: 'deny', reason: 'not rm', rule: 'r2' }),
    });
    try {
      const allowed = await runHook(['claude-code', 'PreToolUse'], preToolUse, envFor(socketPath));
      expect(allowed.code).toBe(0);
      expect(JSON.parse(allowed.stdout).hookSpecificOutput.permissionDecision).toBe('allow');
      const rm = JSON.stringify({ ...JSON.parse(preToolUse), tool_input: { command: 'rm -rf /' } });
      const deniedRun = await runHook(['claude-code', 'PreToolUse'], rm, envFor(socketPath));
      expect(deniedRun.code).toBe(2);
      expect(deniedRun.stdout).toBe('');
      expect(deniedRun.stderr).toContain('not rm');
      expect(endpoint.hellos).toEqual(['hook', 'hook']);
    } finally {
      await endpoint.close();
    }
  });

  it('takes the payload from its last argument when given (Codex notify) and never reads stdin then', async () => {
    const socketPath = join(dirs.root, 'notify.sock');
    const endpoint = await TestEndpoint.start(socketPath);
    try {
      const outcome = await runHook(['codex', 'notify', JSON.stringify({ type: 'agent-turn-complete' })], null, envFor(socketPath));
      expect(outcome.code).toBe(0);
      expect(endpoint.statuses).toEqual([{ status: 'idle' }]);
    } finally {
      await endpoint.close();
    }
  });

  it.each([
    ['no endpoint in the environment', () => ({}), preToolUse, 'FLIGHTDECK_AGENT_SOCKET is not set'],
    ['no token in the environment', () => ({ [AGENT_ENV.socket]: '/nonexistent.sock' }), preToolUse, 'FLIGHTDECK_AGENT_TOKEN is not set'],
    ['no socket', () => envFor(join(dirs.root, 'absent.sock')), preToolUse, /ENOENT|No such file or directory/],
    ['a payload that is not JSON', () => envFor(join(dirs.root, 'absent.sock')), '{"tool_name": ', 'unreadable hook payload'],
    ['a payload that is not an object', () => envFor(join(dirs.root, 'absent.sock')), '[1,2]', 'not a JSON object'],
  ])('blocks (exit 2) with %s', async (_, env, stdin, reason) => {
    const outcome = await runHook(['claude-code', 'PreToolUse'], stdin, env());
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(reason);
  });

  it('blocks (exit 2) when the token is refused', async () => {
    const socketPath = join(dirs.root, 'token.sock');
    const endpoint = await TestEndpoint.start(socketPath);
    try {
      const outcome = await runHook(['claude-code', 'PreToolUse'], preToolUse, { [AGENT_ENV.socket]: socketPath, [AGENT_ENV.token]: 'x'.repeat(32) });
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toContain('bad token');
      expect(endpoint.events).toEqual([]);
    } finally {
      await endpoint.close();
    }
  });

  it('blocks (exit 2) on an answer that is not one (exit code 0 or 2 only)', async () => {
    const { socketPath, server } = await customEndpoint('bad-answer', () => ({ exitCode: 1, stdout: '', stderr: '' }));
    try {
      const outcome = await runHook(['claude-code', 'PreToolUse'], preToolUse, envFor(socketPath));
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toContain('invalid result');
    } finally {
      server.close();
    }
  });

  it(`blocks (exit 2) when the host does not answer within its deadline, before the CLI's own timeout`, async () => {
    // Every event gives up before the CLI would kill the hook (a killed hook lets the tool run); PreToolUse waits as
    // long as an approval may take, the others HOOK_DEADLINE_MS.
    for (const event of ['PreToolUse', 'UserPromptSubmit', 'Stop']) expect(hookDeadlineMs(event)).toBeLessThan(hookTimeoutSeconds(event) * 1000);
    expect(hookDeadlineMs('PreToolUse')).toBeGreaterThan(APPROVAL_TIMEOUT_MS);
    const { socketPath, server } = await customEndpoint('silent', () => new Promise(() => undefined));
    try {
      const outcome = await runHook(['claude-code', 'UserPromptSubmit'], '{"prompt": "hello"}', envFor(socketPath));
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toContain(`no answer from the host within ${client.deadlineMs} ms`);
      expect(outcome.ms).toBeLessThan(client.deadlineMs + 5000);
    } finally {
      server.close();
    }
  }, HOOK_DEADLINE_MS + 15_000);

  it('lets the agent stop (exit 1, not 2) when the end of a turn cannot be reported: 2 would make it keep working', async () => {
    const outcome = await runHook(['claude-code', 'Stop'], '{"stop_hook_active": false}', envFor(join(dirs.root, 'absent.sock')));
    expect(outcome.code).toBe(1);
  });

  it('refuses a command line it does not understand (exit 2)', async () => {
    expect((await runHook(['gemini', 'PreToolUse'], preToolUse, {})).code).toBe(2);
    expect((await runHook(['claude-code'], preToolUse, {})).code).toBe(2);
  });
});

describe('hook.pl', () => {
  it('sets the very hint bits `use strict` sets on this perl, and so refuses what strict refuses', () => {
    const perl = (code: string) => spawnSync('perl', ['-e', code], { encoding: 'utf8' });
    const script = readFileSync(join(dirname(AGENT_HOST_BUNDLE), HOOK_SCRIPT), 'utf8');
    const strictLine = /^BEGIN \{ \$\^H \|= 0x[0-9a-f]+ \}$/m.exec(script)?.[0];
    expect(strictLine).toBeDefined();
    const hints = (prelude: string): string => perl(`${prelude} BEGIN { printf "%x", $^H }`).stdout;
    expect(hints(strictLine!)).toBe(hints('use strict;'));
    expect(perl(`${strictLine!} $undeclared = 1;`).stderr).toMatch(/Global symbol "\$undeclared" requires explicit package name/);
  });
});
