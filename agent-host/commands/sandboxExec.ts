import { spawn } from 'node:child_process';
import { describeZodIssues } from '../../common/zodIssues';
import { errorMessage } from '../../common/wire/errors';
import { startForwarders } from '../egress/forwarder';
import { SandboxExecSpec } from './sandboxExecSpec';

// The agent shares this process's group, the terminal's foreground one: what the terminal or the host sends the
// group reaches the agent directly. Forwarding would deliver it twice (two ^C quit some CLIs); dying of it would
// end the sandbox under the agent. So they are only ignored here.
const GROUP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'];

/**
 * `agent-host sandbox-exec SPEC -- CMD ARGS…`, the first process inside an agent's sandbox: it listens on the
 * namespace's loopback for the agent (its HTTP proxy port, and the model endpoints' own addresses) and forwards to
 * the host's egress proxy through the one Unix socket bound in; then it runs the agent and ends as the agent ends.
 * It never reads the terminal: the agent, in the same process group, keeps it (resize, job control).
 */
export async function sandboxExec(args: readonly string[]): Promise<number> {
  const separator = args.indexOf('--');
  if (separator !== 1 || args.length < 3) {
    process.stderr.write('usage: agent-host sandbox-exec SPEC -- CMD [ARGS...]\n');
    return 2;
  }
  let spec: SandboxExecSpec;
  try {
    const parsed = SandboxExecSpec.safeParse(JSON.parse(Buffer.from(args[0]!, 'base64url').toString('utf8')));
    if (!parsed.success) throw new Error(describeZodIssues(parsed.error));
    spec = parsed.data;
  } catch (error) {
    process.stderr.write(`agent-host sandbox-exec: bad spec: ${errorMessage(error)}\n`);
    return 2;
  }
  let forwarders: Awaited<ReturnType<typeof startForwarders>>;
  try {
    forwarders = await startForwarders(spec);
  } catch (error) {
    process.stderr.write(`agent-host sandbox-exec: cannot listen for the agent's network: ${errorMessage(error)}\n`);
    return 1;
  }
  const [command, ...commandArgs] = args.slice(separator + 1);
  const child = spawn(command!, commandArgs, { stdio: 'inherit' });
  const ignore = (): void => undefined;
  for (const signal of GROUP_SIGNALS) process.on(signal, ignore);
  return new Promise<number>((resolve) => {
    child.once('error', (error) => {
      process.stderr.write(`agent-host sandbox-exec: cannot run ${command}: ${error.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      for (const name of GROUP_SIGNALS) process.off(name, ignore);
      void forwarders.close();
      // Ends the way the agent ended, so the session reports its exit code or signal.
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}
