import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { LaunchContext } from '../agents/launchSpec';
import { APPROVAL_TIMEOUT_MS } from '../governance/approvals';
import { findOnPath } from '../sessions/resolveCommand';

/** The CLI agents whose hooks call the host (hook.pl or `agent-host hook`; the `agent` of hook.event). */
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

/** A hook payload larger than this is refused (and so its tool call blocked): tool inputs bigger than a file write are not expected. */
export const MAX_HOOK_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** What the CLI's settings give each hook: well past the hook's own deadline. */
export function hookTimeoutSeconds(event: string): number {
  return Math.ceil(hookDeadlineMs(event) / 1000) + 10;
}

/** The name of the host's MCP endpoint in every CLI's config: its tools reach the model as mcp__flightdeck__<tool>. */
export const MCP_SERVER_NAME = 'flightdeck';
export const MCP_TOOL_PREFIX = `mcp__${MCP_SERVER_NAME}__`;

/**
 * How a hook (hook.pl or `agent-host hook`) exits when the host cannot be asked. 2 blocks whatever the event gates (a tool call, a
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

/** The Perl hook client's file beside the agent-host bundle (scripts/build-agent-host.mjs copies hook.pl there). */
export const HOOK_SCRIPT = 'hook.pl';

const perlClients = new Map<string, { perl: string; script: string } | null>();

/**
 * perl and the hook client beside `hostEntry`, when this host has both (perl-base is Essential on Debian and Ubuntu;
 * an install from before hook.pl shipped has none). Looked up once per bundle.
 */
function perlHookClient(hostEntry: string): { perl: string; script: string } | null {
  let client = perlClients.get(hostEntry);
  if (client === undefined) {
    const perl = findOnPath('perl', null, process.env.PATH);
    const script = join(dirname(hostEntry), HOOK_SCRIPT);
    client = perl && existsSync(script) ? { perl, script } : null;
    perlClients.set(hostEntry, client);
  }
  return client;
}

/**
 * The argv of one hook (for configs that take an argv, like Codex's notify): `perl hook.pl` where it can run, else
 * `agent-host hook AGENT EVENT`. A hook is a new process per tool call, and starting Node alone takes 40–100 ms on a
 * small VM (loading the bundle as much again), far past what a tool call should wait; perl with core builtins starts
 * in a few ms. Both ask the host the same way and fail closed the same way.
 */
export function hookArgv(context: LaunchContext, agent: CliAgentKind, event: string): string[] {
  const perl = perlHookClient(context.hostEntry);
  if (perl) return [perl.perl, perl.script, `--deadline-ms=${hookDeadlineMs(event)}`, agent, event];
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
