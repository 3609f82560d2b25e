// Governance benchmark: Hook round trip: what Claude Code pays per tool call.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { AGENT_ENV } from '../../../common/protocol/agentEndpoint';
import type { AgentEndpoint } from '../../../agent-host/agents/agentEndpoint';
import { HOOK_SCRIPT, hookDeadlineMs, shellQuote } from '../../../agent-host/cliAgents/hookCommand';
import type { BenchContext } from '../context';
import { BENCH_BUNDLE } from '../flightdeck/host';
import { percentile } from '../stats';
import type { Group } from '../suite';
import { DaemonSide, finished, TOKEN, type Finished } from './shared';

const HOOK_FLOOR = 'sh -c "node -e 0" (process floor)';
const HOOK_NO_ENDPOINT = 'agent-host hook without an endpoint (load the bundle, exit)';
const HOOK_FLIGHTDECK = 'hook.pl claude-code PreToolUse → endpoint → ToolGate (allow, audited)';
const HOOK_NODE = 'agent-host hook claude-code PreToolUse (Node, where perl is missing) → same';
const HOOK_AGENT = 'bench-hook';

interface Spawned {
  ms: number;
  result: Finished;
}

async function timedShell(command: string, env: NodeJS.ProcessEnv, stdin: string): Promise<Spawned> {
  const started = performance.now();
  const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = finished(child);
  child.stdin!.end(stdin);
  const result = await done;
  return { ms: performance.now() - started, result };
}

export function hookGroup(context: BenchContext): Group {
  const spawns = context.sizes.hookSpawns;
  const dir = join(context.dir, 'governance-hook');
  let daemon: DaemonSide | undefined;
  let endpoint: AgentEndpoint | undefined;
  let call = 0;
  const hookCommand = [process.execPath, BENCH_BUNDLE, 'hook', 'claude-code', 'PreToolUse'].map(shellQuote).join(' ');
  // What hookArgv gives Claude Code where perl is present (every Debian and Ubuntu VM).
  const perlHookCommand = ['perl', join(dirname(BENCH_BUNDLE), HOOK_SCRIPT), `--deadline-ms=${hookDeadlineMs('PreToolUse')}`, 'claude-code', 'PreToolUse']
    .map(shellQuote)
    .join(' ');
  // Only what a CLI agent is given: no inherited FLIGHTDECK_* variables.
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C.UTF-8' };
  const payload = (): string =>
    JSON.stringify({
      session_id: '3f1c2a8e-bench',
      transcript_path: join(dir, 'agent', 'projects', 'bench', 'session.jsonl'),
      cwd: daemon!.worktree,
      permission_mode: 'default',
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: 'git status --short', description: 'Show working tree status' },
      tool_use_id: `toolu_bench_${call++}`,
    });

  const series = async (one: () => Promise<number>): Promise<Record<string, number>> => {
    await one(); // warm the page cache and the endpoint
    const samples: number[] = [];
    for (let index = 0; index < spawns; index++) samples.push(await one());
    return { p50: percentile(samples, 50), p90: percentile(samples, 90) };
  };

  /** A contender running `command` as the PreToolUse hook against the endpoint: each must allow and audit once. */
  const allowedHooks = (name: string, command: string) => ({
    name,
    run: () => {
      const env = { ...baseEnv, [AGENT_ENV.socket]: endpoint!.socketPath, [AGENT_ENV.token]: TOKEN, [AGENT_ENV.name]: HOOK_AGENT };
      return series(async () => {
        const before = daemon!.records();
        const { ms, result } = await timedShell(command, env, payload());
        if (result.code !== 0 || !result.stdout.includes('"permissionDecision":"allow"')) {
          throw new Error(`the hook did not allow (exit ${result.code}): ${result.stdout} ${result.stderr}`);
        }
        if (daemon!.records() !== before + 1) throw new Error("the hook's tool call was not audited");
        return ms;
      });
    },
  });

  return {
    id: 'governance.hook',
    title: `Hook round trip: ${spawns} PreToolUse hooks, one process each (Claude Code's cost per tool call)`,
    metrics: [
      { key: 'p50', label: 'p50 per hook', unit: 'ms', better: 'lower', digits: 1 },
      { key: 'p90', label: 'p90 per hook', unit: 'ms', better: 'lower', digits: 1 },
    ],
    peer: HOOK_FLOOR,
    rounds: context.sizes.hookRounds,
    budgetMs: 120_000,
    async setup() {
      daemon = new DaemonSide(dir);
      endpoint = await daemon.openEndpoint(HOOK_AGENT);
    },
    async teardown() {
      daemon?.close();
    },
    contenders: [
      {
        name: HOOK_FLOOR,
        run: () =>
          series(async () => {
            const { ms, result } = await timedShell(`${shellQuote(process.execPath)} -e 0`, baseEnv, '');
            if (result.code !== 0) throw new Error(`node -e 0 exited ${result.code}`);
            return ms;
          }),
      },
      {
        name: HOOK_NO_ENDPOINT,
        run: () =>
          series(async () => {
            const { ms, result } = await timedShell(hookCommand, baseEnv, payload());
            if (result.code !== 2 || !result.stderr.includes(AGENT_ENV.socket)) throw new Error(`the hook without an endpoint exited ${result.code}: ${result.stderr}`);
            return ms;
          }),
      },
      allowedHooks(HOOK_FLIGHTDECK, perlHookCommand),
      allowedHooks(HOOK_NODE, hookCommand),
    ],
    targets: [
      {
        metric: 'p50',
        text: 'hook round trip p50 <= 20 ms',
        check: (median) => {
          const hook = median(HOOK_FLIGHTDECK);
          const floor = median(HOOK_FLOOR);
          if (hook === undefined || floor === undefined) return undefined;
          return { measured: `${hook.toFixed(1)} ms per tool call (a bare node start alone: ${floor.toFixed(1)} ms)`, pass: hook <= 20 };
        },
      },
    ],
    notes: [
      'Each hook is one `/bin/sh -c \'perl hook.pl --deadline-ms=… claude-code PreToolUse\'` (beside the bench bundle), as Claude Code runs the command its generated settings name, with a PreToolUse payload for `Bash: git status --short` on stdin; timed from spawn to exit. One warm-up spawn per run is not counted. The Node row runs `node agent-host.mjs hook …`, what hosts without perl get.',
      'The endpoint is the daemon\'s AgentEndpoint (Unix socket, token) in the bench process; its hook.event runs handleHookEvent → ToolGate.decide under the closed default policy (command parsed and matched, command.run record appended to a real AuditLog before the answer), and the hook prints Claude Code\'s allow decision. Every run checks the exit code, the allow output and that exactly one audit record was added.',
      'The floor spawns `node -e 0` through the same shell; "without an endpoint" loads the bundle and exits at once (no FLIGHTDECK_AGENT_SOCKET), so the Node rows split its cost into starting Node, loading agent-host, and the round trip to the host.',
    ],
  };
}
