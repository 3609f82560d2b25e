import { z } from 'zod';
import { errorMessage } from '../../common/wire/errors';
import { endpointFromEnv, openEndpoint } from '../cliAgents/endpointClient';
import { CliAgentKind, HOOK_DEADLINE_MS, MAX_HOOK_PAYLOAD_BYTES, exitOnFailure, hookDeadlineMs } from '../cliAgents/hookCommand';

const USAGE = 'usage: agent-host hook claude-code|codex EVENT [PAYLOAD-JSON] (the payload is read from stdin when not given)';

/**
 * `agent-host hook AGENT EVENT [PAYLOAD]`: what a CLI agent's hooks run where perl cannot (agent-host/cliAgents/hook.pl
 * does the same, byte for byte, without Node's start-up cost; see hookArgv). It hands the event to the agent's endpoint
 * and exits as the host says. Claude Code runs a tool when its PreToolUse hook exits with anything but 2 (exit 1,
 * a crash, a timeout), so every failure here exits 2 with the reason on stderr: fail closed. The one exception is
 * the end of a turn (see exitOnFailure). Codex's `notify` passes the payload as the last argument, not on stdin
 * (whose stdin is then the agent's terminal: never read it).
 */
export async function hook(args: readonly string[]): Promise<number> {
  const [agentArg, event, payloadArg, ...extra] = args;
  const agent = CliAgentKind.safeParse(agentArg);
  if (!agent.success || !event || extra.length > 0) return fail(2, USAGE);
  const failureCode = exitOnFailure(event);

  const deadlineMs = hookDeadlineMs(event);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(fail(failureCode, `no answer from the host within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([ask(agent.data, event, payloadArg, failureCode, deadlineMs), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function ask(agent: CliAgentKind, event: string, payloadArg: string | undefined, failureCode: number, deadlineMs: number): Promise<number> {
  const address = endpointFromEnv(process.env);
  if ('missing' in address) return fail(failureCode, `${address.missing} is not set: this hook runs only inside a Flightdeck agent`);
  let payload: Record<string, unknown>;
  try {
    payload = parsePayload(payloadArg ?? (await readStdin()));
  } catch (error) {
    return fail(failureCode, `unreadable hook payload: ${errorMessage(error)}`);
  }
  let peer: Awaited<ReturnType<typeof openEndpoint>> | undefined;
  try {
    peer = await openEndpoint(address, 'hook', HOOK_DEADLINE_MS);
    // The event's own deadline: PreToolUse may wait for a person's approval, far past HOOK_DEADLINE_MS.
    const answer = await peer.request('hook.event', { agent, event, payload }, { timeoutMs: deadlineMs });
    if (answer.stdout) process.stdout.write(answer.stdout);
    if (answer.stderr) process.stderr.write(answer.stderr.endsWith('\n') ? answer.stderr : `${answer.stderr}\n`);
    return answer.exitCode;
  } catch (error) {
    return fail(failureCode, `the host could not be asked: ${errorMessage(error)}`);
  } finally {
    peer?.close();
  }
}

function parsePayload(text: string): Record<string, unknown> {
  const parsed = z.record(z.string(), z.unknown()).safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error('not a JSON object');
  return parsed.data;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of process.stdin as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_HOOK_PAYLOAD_BYTES) throw new Error(`more than ${MAX_HOOK_PAYLOAD_BYTES} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
}

function fail(code: number, reason: string): number {
  process.stderr.write(`Flightdeck (agent-host hook): ${reason}\n`);
  return code;
}
