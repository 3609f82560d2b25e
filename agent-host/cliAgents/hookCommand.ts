import { z } from 'zod';
import type { LaunchContext } from '../agents/launchSpec';
import { APPROVAL_TIMEOUT_MS } from '../governance/approvals';

/** The CLI agents whose hooks call `agent-host hook` (the `agent` of hook.event). */
export const CliAgentKind = z.enum(['claude-code', 'codex']);
export type CliAgentKind = z.infer<typeof CliAgentKind>;

/**
 * The hook gives up (and blocks) after its deadline; the CLI is told to kill it only later (its timeout). The order
 * matters: a hook the CLI kills for its timeout lets the tool run. A tool call may wait for a person's approval
 * (policy commands.ask), so PreToolUse waits that long and a little more.
 */
export const HOOK_DEADLINE_MS = 20_000;
const PRE_TOOL_DEADLINE_MS = APPROVAL_TIMEOUT_MS + 30_000;

export function hookDeadlineMs(event: string): number {
  return event === 'PreToolUse' ? PRE_TOOL_DEADLINE_MS : HOOK_DEADLINE_MS;
}

/** What the CLI's settings give each hook: well past the hook's own deadline. */
export function hookTimeoutSeconds(event: string): number {
  return Math.ceil(hookDeadlineMs(event) / 1000) + 10;
}

/** The name of the host's MCP endpoint in every CLI's config: its tools reach the model as mcp__flightdeck__<tool>. */
export const MCP_SERVER_NAME = 'flightdeck';
export const MCP_TOOL_PREFIX = `mcp__${MCP_SERVER_NAME}__`;

/**
 * How `agent-host hook` exits when the host cannot be asked. 2 blocks whatever the event gates (a tool call, a
 * prompt). At the end of a turn 2 would mean "keep working" — without the host, unsupervised, in a loop of model
 * calls — so there the hook exits 1, which lets the agent stop.
 */
export function exitOnFailure(event: string): number {
  return event === 'Stop' || event === 'SubagentStop' ? 1 : 2;
}

/** A word for sh -c: single-quoted, so no character in a path is special. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The argv of `agent-host hook AGENT EVENT` (for configs that take an argv, like Codex's notify). */
export function hookArgv(context: LaunchContext, agent: CliAgentKind, event: string): string[] {
  return [context.nodePath, context.hostEntry, 'hook', agent, event];
}

/** The same as one shell command line (CLIs run hook commands through sh -c). */
export function hookShellCommand(context: LaunchContext, agent: CliAgentKind, event: string): string {
  return hookArgv(context, agent, event).map(shellQuote).join(' ');
}

/** The argv of the host's MCP endpoint, `agent-host mcp`. */
export function mcpArgv(context: LaunchContext): { command: string; args: string[] } {
  return { command: context.nodePath, args: [context.hostEntry, 'mcp'] };
}
