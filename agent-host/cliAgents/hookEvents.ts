import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ToolDecision } from '../../common/protocol/agentEndpoint';
import { errorMessage } from '../../common/wire/errors';
import { describeZodIssues } from '../../common/zodIssues';
import { MCP_TOOL_PREFIX, type CliAgentKind } from './hookCommand';

/** What the daemon does for one CLI agent when its hooks fire (one instance per agent, behind its endpoint). */
export interface HookHost {
  /** The one decision point for a tool call (audited before the answer). */
  decide(callId: string, tool: string, input: Record<string, unknown>, subagent?: string): Promise<ToolDecision>;
  /** How an allowed call ended. */
  done(callId: string, tool: string, ok: boolean, summary: string): void;
  setStatus(status: 'working' | 'idle' | 'waiting-for-human', question?: string): void;
  /** The CLI ran its SessionStart hook: its generated settings were loaded and its hooks reach the host. */
  hooksVerified(): void;
  /**
   * The agent's transcript file as its hook payload names it (Claude Code: JSONL with usage; Codex: its rollout).
   * Named by the agent's process, so the host must check it lies in the agent's own config dir before reading it.
   */
  transcript(path: string): void;
}

/** How `agent-host hook` exits and what it prints (the result of hook.event). */
export interface HookAnswer {
  exitCode: 0 | 2;
  stdout: string;
  stderr: string;
}

const PASS: HookAnswer = { exitCode: 0, stdout: '', stderr: '' };
const SUMMARY_CHARS = 1000;

// Payloads keep the fields they do not name (they grow with each CLI release); only what is used is checked.
const Common = z.looseObject({ transcript_path: z.string().nullish() });
const ToolCall = z.looseObject({
  tool_name: z.string().min(1).max(256),
  tool_input: z.record(z.string(), z.unknown()),
  tool_use_id: z.string().min(1).max(128).optional(),
  /** Set when a sub-agent (Claude Code's Agent tool) makes the call. */
  agent_id: z.string().min(1).max(128).optional(),
});
const ToolResult = ToolCall.extend({ tool_response: z.unknown().optional(), error: z.unknown().optional() });
const Notification = z.looseObject({ message: z.string().max(16 * 1024).default(''), notification_type: z.string().optional() });
/** Codex's `notify` program: one JSON argument per finished turn. */
const CodexNotify = z.looseObject({ type: z.string() });

/**
 * The host's side of `agent-host hook AGENT EVENT`: PreToolUse asks `decide` and blocks (exit 2, the reason on
 * stderr, which the model sees as the tool's error) unless allowed — also when the payload is not what a tool call
 * looks like. Every other event only reports (status, tool outcomes, the transcript) and never blocks.
 */
export async function handleHookEvent(host: HookHost, agent: CliAgentKind, event: string, payload: unknown): Promise<HookAnswer> {
  const common = Common.safeParse(payload);
  if (common.success && common.data.transcript_path) host.transcript(common.data.transcript_path);
  switch (event) {
    case 'PreToolUse':
      return preToolUse(host, agent, payload);
    case 'PostToolUse':
    case 'PostToolUseFailure':
      return report(ToolResult, payload, event, (call) => {
        if (isMcpEndpointTool(call.tool_name)) return;
        const failed = event === 'PostToolUseFailure';
        host.done(call.tool_use_id ?? randomUUID(), call.tool_name, !failed, summarize(failed ? call.error : call.tool_response));
      });
    case 'UserPromptSubmit':
      host.setStatus('working');
      return PASS;
    case 'Stop':
      host.setStatus('idle');
      return PASS;
    case 'Notification':
      return report(Notification, payload, event, ({ message, notification_type }) => {
        if (notification_type === 'permission_prompt' || notification_type === 'elicitation_dialog') {
          host.setStatus('waiting-for-human', message);
        } else if (notification_type === 'idle_prompt') {
          host.setStatus('idle');
        }
      });
    case 'SessionStart':
      host.hooksVerified();
      return PASS;
    case 'notify':
      return report(CodexNotify, payload, event, ({ type }) => {
        if (type === 'agent-turn-complete') host.setStatus('idle');
      });
    default:
      // Only events the launchers configure arrive here; an unknown one may gate something: block it.
      return { exitCode: 2, stdout: '', stderr: `Flightdeck: unknown hook event ${event}` };
  }
}

async function preToolUse(host: HookHost, agent: CliAgentKind, payload: unknown): Promise<HookAnswer> {
  const parsed = ToolCall.safeParse(payload);
  if (!parsed.success) return deny(`the tool call's hook payload is invalid: ${describeZodIssues(parsed.error)}`);
  const call = parsed.data;
  // The host's own MCP endpoint decides each of its calls itself (agent-host mcp): deciding here too would audit twice.
  if (isMcpEndpointTool(call.tool_name)) return allow(agent, 'decided by the Flightdeck MCP endpoint');
  let decision: ToolDecision;
  try {
    decision = await host.decide(call.tool_use_id ?? randomUUID(), call.tool_name, call.tool_input, call.agent_id);
  } catch (error) {
    return deny(`the host could not decide: ${errorMessage(error)}`);
  }
  if (decision.decision !== 'allow') return deny(decision.reason ?? `denied by ${decision.rule}`);
  return allow(agent, `allowed by ${decision.rule}`);
}

function isMcpEndpointTool(tool: string): boolean {
  return tool.startsWith(MCP_TOOL_PREFIX);
}

function deny(reason: string): HookAnswer {
  return { exitCode: 2, stdout: '', stderr: `Flightdeck denied this tool call: ${reason}` };
}

/**
 * Claude Code would still ask at its own permission prompt unless the hook says allow. Codex runs what its approval
 * policy (never) and sandbox allow when the hook prints nothing — and treats output it does not expect as a failed
 * hook, which runs the tool: so it gets nothing.
 */
function allow(agent: CliAgentKind, reason: string): HookAnswer {
  if (agent === 'codex') return PASS;
  const output = { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: reason } };
  return { exitCode: 0, stdout: JSON.stringify(output), stderr: '' };
}

/** A report that cannot be read is dropped (and said on stderr): blocking it would gain nothing. */
function report<T extends z.ZodType>(schema: T, payload: unknown, event: string, use: (value: z.infer<T>) => void): HookAnswer {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return { ...PASS, stderr: `Flightdeck: ignored an invalid ${event} payload: ${describeZodIssues(parsed.error)}` };
  use(parsed.data);
  return PASS;
}

function summarize(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS)}…` : text;
}
