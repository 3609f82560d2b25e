import type { AgentKind } from '../../common/protocol/agents';

/** Which of the host's tool-level governance mechanisms apply to a profile's agents (the sandbox applies to all). */
export interface Governance {
  /** Tool hooks that call `agent-host hook` (claude-code, codex). */
  hooks: boolean;
  /** Only the host's MCP endpoint (`agent-host mcp`) as MCP server. */
  mcp: boolean;
}

export interface Profile {
  name: string;
  kind: AgentKind;
  /** builtin, or the profiles file that declared it. */
  source: string;
  description: string | null;
  /** For command profiles (and to override the CLI of claude-code / codex): the program and its arguments. */
  command: string | null;
  args: string[];
  env: Record<string, string>;
  model: string | null;
  maxTurns: number;
  maxTokens: number;
  contextTokens: number;
  governance: Governance;
  /** Tool names (anchored regular expressions) the host denies to this profile's agents, before any policy. */
  denyTools: string[];
}

/** Everything a profile's launcher needs to build the command line of one agent process. */
export interface LaunchContext {
  name: string;
  profile: Profile;
  worktree: string;
  branch: string;
  task: string;
  /** Private to this agent, under the host's state dir: generated configs, the CLI's home and temp dirs. Exists, 0700. */
  agentDir: string;
  /** The agent's own endpoint socket and the token that opens it. */
  socketPath: string;
  token: string;
  /** `process.execPath` and the agent-host bundle: how to run `agent-host hook|mcp|agent` from inside the agent. */
  nodePath: string;
  hostEntry: string;
  /** agent.env, the profile's env and FLIGHTDECK_AGENT_* already merged: the base every launcher extends. */
  env: Record<string, string>;
  /** True when the agent continues an earlier run (agent resume). */
  resuming: boolean;
  /** True when the host's sandbox confines the agent (a CLI's own sandbox cannot work inside it). */
  confined: boolean;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Files in the agent's dir that govern it (settings with its hooks): read-only inside the sandbox. */
  protectedFiles?: string[];
}

export type Launcher = (context: LaunchContext) => LaunchSpec;
