import { z } from 'zod';
import { AgentKind, AgentName, HumanRequestKind, TokenUsage } from './agents';
import { request, type Registry } from './define';
import { RunToolName } from './flightdeckTools';

const Empty = z.object({}).strict();
const CallId = z.string().min(1).max(128);
const ToolName = z.string().min(1).max(256);
/** Any JSON object: tool inputs are the agent's, checked by whoever runs the tool. */
const JsonObject = z.record(z.string(), z.unknown());
/**
 * A hook's payload: the JSON object, or its JSON text as the hook read it. The Perl hook client
 * (agent-host/cliAgents/hook.pl) has no JSON parser, so it sends the text and the host parses it.
 */
const HookPayload = z.union([
  JsonObject,
  z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        context.issues.push({ code: 'custom', message: `unreadable hook payload: ${(error as Error).message}`, input: text });
        return z.NEVER;
      }
    })
    .pipe(JsonObject),
]);

export const AgentLimits = z.object({
  /** Model calls per agent, over its whole life (resumes included). */
  maxTurns: z.number().int().positive(),
  /** max_tokens of each model call. */
  maxTokens: z.number().int().positive(),
  /** Context the conversation may fill before old tool results are compacted. */
  contextTokens: z.number().int().positive(),
});
export type AgentLimits = z.infer<typeof AgentLimits>;

export const AgentHello = z.object({
  name: AgentName,
  kind: AgentKind,
  worktree: z.string(),
  branch: z.string(),
  task: z.string(),
  model: z.string().nullable(),
  limits: AgentLimits,
  /** Model calls made so far (they count against maxTurns). */
  turns: z.number().int().nonnegative(),
  /** What the agent saved with conversation.save, or null on a first start. */
  conversation: z.unknown().nullable(),
  /** The run tools this agent is offered besides the common Flightdeck tools (propose_learnings to a retrospective); absent: none. */
  runTools: z.array(RunToolName).optional(),
});
export type AgentHello = z.infer<typeof AgentHello>;

export const ToolDecision = z.object({
  decision: z.enum(['allow', 'deny']),
  /** Shown to the model when denied. */
  reason: z.string().nullable(),
  /** The rule that decided (audited with the call). */
  rule: z.string(),
});
export type ToolDecision = z.infer<typeof ToolDecision>;

/**
 * A tool of an upstream MCP server, as the host's MCP gateway offers it to one agent: `name` is `<server>__<tool>`,
 * the schemas are the upstream's own JSON Schemas, passed through.
 */
export const GatewayTool = z.object({
  name: ToolName,
  /** The policy's name of the upstream server (`mcp.servers.<server>`) and the tool's name there. */
  server: z.string().min(1),
  tool: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.looseObject({ type: z.literal('object') }),
  outputSchema: z.looseObject({ type: z.literal('object') }).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});
export type GatewayTool = z.infer<typeof GatewayTool>;

/** An MCP tools/call result, checked loosely: content parts and anything else the upstream sent pass through. */
export const GatewayCallResult = z.looseObject({
  content: z.array(z.looseObject({ type: z.string() })),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().optional(),
});
export type GatewayCallResult = z.infer<typeof GatewayCallResult>;

/**
 * What an agent (its process, its hooks, its MCP endpoint) may ask of the host, over its own endpoint socket — never
 * the control socket. The host authenticates the agent by the endpoint and a token, and acts only for that agent.
 */
export const agentEndpointProtocol = {
  'agent.hello': request({
    direction: 'client-to-host',
    summary: 'First request: the token the host gave this agent. Returns what the agent needs to run (or continue).',
    params: z.object({ token: z.string().min(16).max(256), role: z.enum(['agent', 'hook', 'mcp']).default('agent') }),
    result: AgentHello,
  }),
  'tool.decide': request({
    direction: 'client-to-host',
    summary: 'The one decision point for every tool call: audited before the answer; deny means the tool must not run.',
    params: z.object({ callId: CallId, tool: ToolName, input: JsonObject, subagent: z.string().max(128).optional() }),
    result: ToolDecision,
  }),
  'tool.done': request({
    direction: 'client-to-host',
    summary: 'How an allowed tool call ended (audited).',
    params: z.object({ callId: CallId, tool: ToolName, ok: z.boolean(), summary: z.string().max(4096) }),
    result: Empty,
  }),
  'agent.state': request({
    direction: 'client-to-host',
    summary: 'The agent works, or is idle at the end of a turn (waiting for a message).',
    params: z.object({ status: z.enum(['working', 'idle']) }),
    result: Empty,
  }),
  'agent.usage': request({
    direction: 'client-to-host',
    summary: 'Tokens of one model call; the host adds them up and prices them.',
    params: z.object({ model: z.string().min(1).max(256), usage: TokenUsage }),
    result: z.object({ total: TokenUsage, costUsd: z.number().nullable() }),
  }),
  'agent.progress': request({
    direction: 'client-to-host',
    summary: 'report_progress: a line for the tech lead (audited); does not wait.',
    params: z.object({ message: z.string().min(1).max(4096) }),
    result: Empty,
  }),
  'agent.ask': request({
    direction: 'client-to-host',
    summary: 'ask_human, escalate, checkpoint, submit_plan: audited, shown as the agent’s question, answered by a human.',
    params: z.object({ kind: HumanRequestKind, input: JsonObject }),
    result: z.object({ answer: z.string(), by: z.string() }),
  }),
  'agent.runTool': request({
    direction: 'client-to-host',
    summary: 'A run tool the agent was offered (propose_learnings): checked and handled by its run, answered at once.',
    params: z.object({ tool: RunToolName, input: JsonObject }),
    result: z.object({ text: z.string() }),
  }),
  'agent.nextMessage': request({
    direction: 'client-to-host',
    summary: 'The next message a human sent (agent send); waits until there is one.',
    params: Empty,
    result: z.object({ text: z.string(), by: z.string() }),
  }),
  'conversation.save': request({
    direction: 'client-to-host',
    summary: 'The built-in agent’s conversation, kept by the host so agent resume continues it after any crash.',
    params: z.object({ conversation: z.unknown(), turns: z.number().int().nonnegative() }),
    result: Empty,
  }),
  'hook.event': request({
    direction: 'client-to-host',
    summary:
      'A CLI agent’s hook fired (agent-host hook EVENT): the host decides and says how the hook exits. ' +
      'The hook exits 2 (block) whenever this cannot be asked or answered in time: fail closed.',
    params: z.object({ agent: z.enum(['claude-code', 'codex']), event: z.string().min(1).max(64), payload: HookPayload }),
    result: z.object({
      exitCode: z.union([z.literal(0), z.literal(2)]),
      stdout: z.string().max(1024 * 1024).default(''),
      stderr: z.string().max(64 * 1024).default(''),
    }),
  }),
  'mcp.tools': request({
    direction: 'client-to-host',
    summary:
      'The tools of the upstream MCP servers the policy allows this agent, allowed tools only (the host starts the ' +
      'servers on first use; one that cannot start has no tools). callTimeoutMs: how long mcp.call may take at most.',
    params: Empty,
    result: z.object({ tools: z.array(GatewayTool), callTimeoutMs: z.number().int().positive() }),
  }),
  'mcp.call': request({
    direction: 'client-to-host',
    summary:
      'Calls a gateway tool (`<server>__<tool>`): decided and audited before it is forwarded (a call whose record cannot ' +
      'be written is refused); refusals, upstream crashes and timeouts come back as tool errors (isError).',
    params: z.object({ callId: CallId, name: ToolName, arguments: JsonObject.default({}) }),
    result: GatewayCallResult,
  }),
} as const satisfies Registry;

export type AgentEndpointProtocol = typeof agentEndpointProtocol;

/** Environment variables the host gives each agent process (and its hooks and MCP endpoint). */
export const AGENT_ENV = {
  socket: 'FLIGHTDECK_AGENT_SOCKET',
  token: 'FLIGHTDECK_AGENT_TOKEN',
  name: 'FLIGHTDECK_AGENT',
} as const;
