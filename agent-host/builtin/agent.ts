import { realpathSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { AGENT_ENV, type AgentHello } from '../../common/protocol/agentEndpoint';
import type { Emitter } from '../../common/events';
import { errorMessage } from '../../common/wire/errors';
import { AgentLoop, EXIT } from './agentLoop';
import { ContextMeter } from './contextBudget';
import { Conversation, ConversationInvalid } from './conversation';
import { connectEndpoint, type Endpoint } from './endpoint';
import { HumanInput } from './humanInput';
import { anthropicClient, DEFAULT_MODEL, type ModelRequest } from './modelClient';
import { systemPrompt } from './systemPrompt';
import { ToolCalls } from './toolCalls';
import { builtinTools, toolDefinitions } from './tools/toolBox';
import { Transcript } from './transcript';

/** Signals the process gets, as the agent needs them: SIGINT interrupts a turn; SIGTERM and SIGHUP stop the agent. */
export type AgentSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const SIGNAL_EXIT: Record<Exclude<AgentSignal, 'SIGINT'>, number> = { SIGTERM: 143, SIGHUP: 129 };

export interface AgentIo {
  env: Record<string, string | undefined>;
  /** The terminal (the PTY): typed messages come in here, the transcript goes out there. */
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  signals: Emitter<AgentSignal>;
}

/**
 * The built-in agent, given its terminal and environment: connects to its endpoint, says hello, then runs until
 * the human quits, the turn budget is spent, the endpoint closes or a signal stops it. Returns the exit code (EXIT).
 */
export async function runAgent(io: AgentIo): Promise<number> {
  const transcript = new Transcript(io.stdout, Boolean(io.stdout.isTTY));
  const socketPath = io.env[AGENT_ENV.socket];
  const token = io.env[AGENT_ENV.token];
  if (!socketPath || !token) {
    transcript.error(`${AGENT_ENV.socket} and ${AGENT_ENV.token} are not set: the built-in agent runs under agent-host, which sets them.`);
    return EXIT.startup;
  }
  let endpoint: Endpoint;
  try {
    endpoint = await connectEndpoint(socketPath);
  } catch (error) {
    transcript.error(`cannot reach the agent endpoint at ${socketPath}: ${errorMessage(error)}`);
    return EXIT.endpointLost;
  }
  const shutdown = new AbortController();
  let stop: (code: number) => void = () => undefined;
  const stopped = new Promise<number>((resolve) => (stop = resolve));
  const end = (code: number, why: string) => {
    if (shutdown.signal.aborted) return;
    transcript.error(why);
    shutdown.abort();
    stop(code);
  };
  endpoint.onClose((error) => end(EXIT.endpointLost, `the agent endpoint closed${error ? ` (${error.message})` : ''}; stopping.`));
  let loop: AgentLoop | undefined;
  const unsubscribe = io.signals.on((signal) => {
    if (signal !== 'SIGINT') end(SIGNAL_EXIT[signal], `${signal}: stopping.`);
    else if (loop?.interrupt()) transcript.afterEchoedKey();
    // Ctrl-C at the prompt normally reaches readline (raw mode); a SIGINT while idle means the same: quit.
    else end(loop ? EXIT.done : 130, 'SIGINT: stopping.');
  });
  const running = (async () => {
    const started = await start(io, endpoint, transcript, shutdown.signal);
    if (typeof started === 'number') return started;
    loop = started;
    return loop.run();
  })();
  try {
    return await Promise.race([running, stopped]);
  } catch (error) {
    if (shutdown.signal.aborted) return stopped;
    transcript.error(`the agent failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT.endpointLost;
  } finally {
    unsubscribe();
    // Quietly now: the loop is over, so the endpoint's close is no news.
    shutdown.abort();
    endpoint.close();
    running.catch(() => undefined);
  }
}

/** Hello, and everything built from it; an exit code when the agent cannot start. */
async function start(io: AgentIo, endpoint: Endpoint, transcript: Transcript, shutdown: AbortSignal): Promise<AgentLoop | number> {
  let hello: AgentHello;
  try {
    hello = await endpoint.request('agent.hello', { token: io.env[AGENT_ENV.token]!, role: 'agent' });
  } catch (error) {
    transcript.error(`the host did not accept this agent: ${errorMessage(error)}`);
    return EXIT.startup;
  }
  let root: string;
  let conversation: Conversation;
  try {
    root = realpathSync(hello.worktree);
    conversation = hello.conversation === null ? Conversation.empty() : Conversation.restore(hello.conversation);
  } catch (error) {
    const why =
      error instanceof ConversationInvalid ? error.message : `the worktree ${hello.worktree} is not usable: ${errorMessage(error)}`;
    transcript.error(`${why}. Not starting.`);
    return EXIT.startup;
  }
  const model = hello.model ?? DEFAULT_MODEL;
  transcript.info(`Flightdeck agent ${hello.name} · ${model} · branch ${hello.branch} · ${root}`);
  const tools = builtinTools(endpoint, io.env, hello.runTools);
  const request: ModelRequest = {
    model,
    maxTokens: hello.limits.maxTokens,
    system: systemPrompt(hello, root),
    tools: toolDefinitions(tools),
  };
  return new AgentLoop({
    endpoint,
    hello,
    conversation,
    client: anthropicClient(io.env, transcript),
    request,
    tools: new ToolCalls(endpoint, tools, root, transcript),
    meter: new ContextMeter([request.system, request.tools]),
    transcript,
    input: new HumanInput(io.stdin, io.stdout, endpoint, transcript, shutdown),
    shutdown,
  });
}
