import { Emitter } from '../../common/events';
import { runAgent, type AgentSignal } from './agent';

export { EXIT } from './agentLoop';

/**
 * `agent-host agent builtin`: Flightdeck's own agent, run by the daemon inside the agent's PTY (cwd: the worktree)
 * with FLIGHTDECK_AGENT_SOCKET and FLIGHTDECK_AGENT_TOKEN set. Resolves with the process's exit code (see EXIT).
 */
export async function runBuiltinAgent(): Promise<number> {
  const signals = new Emitter<AgentSignal>({ name: 'builtin agent signals' });
  const forward = (signal: AgentSignal) => () => signals.emit(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    return await runAgent({ env: process.env, stdin: process.stdin, stdout: process.stdout, signals });
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
