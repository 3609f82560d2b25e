import type { AgentKind } from '../../common/protocol/agents';
import { claudeCodeLauncher } from '../cliAgents/claudeCode';
import { codexLauncher } from '../cliAgents/codex';
import type { Launcher } from './launchSpec';

/** Flightdeck's own agent: `agent-host agent builtin`, the same bundle as the daemon, in the agent's PTY. */
const builtinLauncher: Launcher = (context) => ({
  command: context.nodePath,
  args: [context.hostEntry, 'agent', 'builtin'],
  env: context.env,
});

/** Any other CLI agent: the profile's command as written, in the worktree, with no tool hooks. */
const commandLauncher: Launcher = (context) => {
  if (!context.profile.command) throw new Error(`profile ${context.profile.name} names no command`);
  return { command: context.profile.command, args: context.profile.args, env: context.env };
};

export const LAUNCHERS: Record<AgentKind, Launcher> = {
  builtin: builtinLauncher,
  command: commandLauncher,
  'claude-code': claudeCodeLauncher,
  codex: codexLauncher,
};
