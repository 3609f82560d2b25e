import { execFile } from 'node:child_process';
import type { AgentInfo } from '../../common/protocol/agents';
import type { Governance } from '../governance/governance';
import type { Repos } from '../repos/repos';

/** A test command may take this long; past it, it failed. */
const VERIFY_TIMEOUT_MS = 5 * 60_000;
/** What an escalation shows of a failing command's output: its end, where test runners say what failed. */
const OUTPUT_TAIL_BYTES = 4096;

export interface VerifyResult {
  command: string;
  ok: boolean;
  /** The end of its stdout and stderr together. */
  output: string;
}

/**
 * Runs the tests a step says it ran (its checkpoint's tests_run), where its agent ran them: in its worktree, confined
 * like the agent (the code is the agent's), with no network. Null when this host cannot sandbox: the host does not
 * run an agent's code unconfined.
 */
export async function verifyStep(governance: Governance, repos: Repos, agent: AgentInfo, commands: readonly string[]): Promise<VerifyResult[] | null> {
  const results: VerifyResult[] = [];
  for (const command of commands) {
    const confined = await governance.confineGit(['sh', '-c', command], agent.worktree, [repos.objectsDir(agent.repo)], [agent.worktree]);
    if (!confined) return null;
    results.push(await run(command, confined.command, confined.args, agent.worktree));
  }
  return results;
}

function run(command: string, file: string, args: string[], cwd: string): Promise<VerifyResult> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, LANG: process.env.LANG ?? 'C.UTF-8', CI: 'true' };
    execFile(file, args, { cwd, env, timeout: VERIFY_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const tail = output.length > OUTPUT_TAIL_BYTES ? `…${output.slice(-OUTPUT_TAIL_BYTES)}` : output;
      const why = error ? (error.killed ? `\n(killed after ${VERIFY_TIMEOUT_MS / 60_000} min)` : `\n(exit ${String(error.code ?? error.signal)})`) : '';
      resolve({ command, ok: !error, output: `${tail}${why}` });
    });
  });
}
