import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toToml } from 'smol-toml';
import { z } from 'zod';
import { AGENT_ENV } from '../../common/protocol/agentEndpoint';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { LaunchContext, Launcher } from '../agents/launchSpec';
import { findOnPath } from '../sessions/resolveCommand';
import { firstFound, inPackage, privateDir, writePrivateFile } from './cliFiles';
import { hookTimeoutSeconds, MCP_SERVER_NAME, hookArgv, hookShellCommand, mcpArgv } from './hookCommand';

/**
 * agent.env (or the profile's env) names the model endpoint: FLIGHTDECK_CODEX_BASE_URL is the Responses API base
 * (`https://gateway.example/v1`; Codex ignores OPENAI_BASE_URL), OPENAI_API_KEY the key it sends as Bearer, if any.
 */
export const CODEX_ENV = { baseUrl: 'FLIGHTDECK_CODEX_BASE_URL', apiKey: 'OPENAI_API_KEY' } as const;

/** The events whose hooks call the host (Codex's `notify` reports the end of each turn). */
export const CODEX_HOOK_EVENTS = ['PreToolUse', 'PostToolUse', 'UserPromptSubmit', 'SessionStart'] as const;

const PROVIDER = 'flightdeck';
/** A human may take days to answer ask_human or a checkpoint (Codex's default gives an MCP call 60 s). */
const MCP_CALL_TIMEOUT_SECONDS = 7 * 24 * 3600;
const MCP_STARTUP_TIMEOUT_SECONDS = 20;

/**
 * Codex, interactive (its TUI) in the agent's PTY. Its own sandbox confines every command it runs (workspace-write:
 * the worktree writable, /tmp and $TMPDIR not, no network); its approval policy is `never`, so what runs is decided by
 * the PreToolUse hook (`agent-host hook codex PreToolUse`, for shell commands, apply_patch and MCP calls) and the
 * sandbox. The key and the endpoint token are kept out of the commands' environment. Config, sessions and temp
 * files live in the agent's dir; the settings that govern are also passed with -c, which no config file overrides.
 */
export const codexLauncher: Launcher = (context) => {
  refuseProjectLayer(context.worktree);
  const dir = privateDir(join(context.agentDir, 'codex'));
  const home = privateDir(join(dir, 'home'));
  // Not /tmp: Codex refuses to set up its sandbox helper there (and the sandbox hides /tmp from commands anyway).
  const tmpDir = privateDir(join(dir, 'tmp'));
  const governing = governingConfig(context);
  const env = { ...context.env, CODEX_HOME: home, TMPDIR: tmpDir };
  const command = codexCommand(context);
  const migrations = context.profile.model ? seenMigration(command, env, context.profile.model) : {};
  const configFile = join(home, 'config.toml');
  writePrivateFile(configFile, toToml({ ...governing, ...homeConfig(context, migrations) }));

  const overrides = Object.entries(flatten(governing)).flatMap(([key, value]) => ['-c', `${key}=${tomlValue(value)}`]);
  const args = [
    ...(context.resuming ? ['resume', '--last'] : []),
    ...overrides,
    '--strict-config',
    '--no-daemon',
    '--cd',
    context.worktree,
    // The hooks are the host's own, generated above (and a project layer is refused): they need no review in /hooks.
    ...(context.profile.governance.hooks ? ['--dangerously-bypass-hook-trust'] : []),
  ];
  if (context.profile.model) args.push('--model', context.profile.model);
  if (!context.resuming) args.push('--', context.task);
  // Its hooks live only in config.toml: read-only inside the sandbox, so the agent cannot drop them for a resume.
  return { command: command.command, args: [...command.args, ...args], env, protectedFiles: [configFile] };
};

/**
 * The worktree is a trusted project (else Codex stops at start-up to ask about folder access), and Codex loads a
 * trusted project's `.codex/config.toml` and `.codex/hooks.json`: hooks and MCP servers the repo declares, run outside
 * Codex's sandbox. The settings that govern are passed with -c, which no file overrides, but extra hooks and servers
 * cannot be taken away: so an agent does not start on a branch that has them.
 */
function refuseProjectLayer(worktree: string): void {
  for (const file of ['config.toml', 'hooks.json']) {
    const path = join(worktree, '.codex', file);
    if (existsSync(path)) {
      throw new WireError(
        WireErrorCode.ConfigInvalid,
        `refusing to start codex: ${path} would add its own hooks and MCP servers (run outside the sandbox); remove it from the branch`,
        { path },
      );
    }
  }
}

/** What decides what Codex may do: its sandbox, its approval policy, its model endpoint and its MCP servers. */
function governingConfig(context: LaunchContext) {
  const baseUrl = context.env[CODEX_ENV.baseUrl];
  if (!baseUrl) {
    throw new WireError(WireErrorCode.ConfigInvalid, `codex agents need ${CODEX_ENV.baseUrl} (the Responses API base URL) in agent.env`);
  }
  return {
    model_provider: PROVIDER,
    model_providers: {
      [PROVIDER]: {
        name: 'Flightdeck',
        base_url: baseUrl,
        wire_api: 'responses',
        ...(context.env[CODEX_ENV.apiKey] ? { env_key: CODEX_ENV.apiKey } : {}),
      },
    },
    approval_policy: 'never',
    // Inside the host's sandbox Codex cannot build its own (no namespaces may be created there): the host's confines
    // it and everything it runs, network included. Unconfined (sandbox: best-effort), its own is the one there is.
    sandbox_mode: context.confined ? 'danger-full-access' : 'workspace-write',
    // The model provider runs this tool itself: no hook sees it and no egress policy of the host applies to it.
    web_search: 'disabled',
    sandbox_workspace_write: { network_access: false, exclude_slash_tmp: true, exclude_tmpdir_env_var: true },
    shell_environment_policy: { inherit: 'all', exclude: [CODEX_ENV.apiKey, AGENT_ENV.token, AGENT_ENV.socket] },
    mcp_servers: context.profile.governance.mcp
      ? {
          [MCP_SERVER_NAME]: {
            ...mcpArgv(context),
            env_vars: [AGENT_ENV.socket, AGENT_ENV.token, AGENT_ENV.name],
            required: true,
            startup_timeout_sec: MCP_STARTUP_TIMEOUT_SECONDS,
            tool_timeout_sec: MCP_CALL_TIMEOUT_SECONDS,
            default_tools_approval_mode: 'approve',
          },
        }
      : {},
    // No look-ups of the vendor's hosts, no plugin marketplace (a git ls-remote against a public forge).
    analytics: { enabled: false },
    features: { plugins: false },
  };
}

/** The rest, in config.toml only: first-run screens answered, turn ends and tool calls reported to the host. */
function homeConfig(context: LaunchContext, migrations: Record<string, string>) {
  return {
    notify: hookArgv(context, 'codex', 'notify'),
    projects: { [context.worktree]: { trust_level: 'trusted' } },
    notice: { model_migrations: migrations },
    ...(context.profile.governance.hooks
      ? {
          hooks: Object.fromEntries(
            CODEX_HOOK_EVENTS.map((event) => [
              event,
              [{ hooks: [{ type: 'command', command: hookShellCommand(context, 'codex', event), timeout: hookTimeoutSeconds(event) }] }],
            ]),
          ),
        }
      : {}),
  };
}

/** Dotted keys down to the leaves (values and arrays), as -c takes them. */
function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const path = `${prefix}${/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)}`;
    if (child && typeof child === 'object' && !Array.isArray(child)) Object.assign(flat, flatten(child as Record<string, unknown>, `${path}.`));
    else flat[path] = child;
  }
  return flat;
}

/** One value in TOML's inline syntax (what follows `key = `), written by the TOML library. */
function tomlValue(value: unknown): string {
  const line = toToml({ v: value }).trim();
  if (!line.startsWith('v = ') || line.includes('\n')) throw new Error(`not an inline TOML value: ${JSON.stringify(value)}`);
  return line.slice('v = '.length);
}

const ModelCatalog = z.looseObject({
  models: z.array(z.looseObject({ slug: z.string(), upgrade: z.looseObject({ model: z.string() }).nullish() })),
});

/**
 * Codex stops at start-up to offer a newer model ("Meet …") when its catalog has an upgrade for the chosen one, and
 * waits for a keypress: the offer is marked seen (`notice.model_migrations`) from the catalog it prints itself. A
 * model it does not know (a gateway's name) has no offer; a catalog it cannot print leaves the offer on screen.
 */
function seenMigration(command: { command: string; args: string[] }, env: Record<string, string>, model: string): Record<string, string> {
  const printed = spawnSync(command.command, [...command.args, 'debug', 'models'], { env, encoding: 'utf8', timeout: 10_000 });
  if (printed.status !== 0) return {};
  let catalog: z.infer<typeof ModelCatalog>;
  try {
    catalog = ModelCatalog.parse(JSON.parse(printed.stdout));
  } catch {
    return {};
  }
  const upgrade = catalog.models.find((entry) => entry.slug === model)?.upgrade?.model;
  return upgrade ? { [model]: upgrade } : {};
}

/**
 * The profile's command, else `codex` on the agent's PATH, else the npm package's launcher (`bin/codex.js`, run by
 * the host's node: it finds the native binary of the platform package).
 */
function codexCommand(context: LaunchContext): { command: string; args: string[] } {
  if (context.profile.command) return { command: context.profile.command, args: [...context.profile.args] };
  const installed = findOnPath('codex', null, context.env.PATH ?? process.env.PATH);
  if (installed) return { command: installed, args: [...context.profile.args] };
  const launcher = firstFound('codex', [() => inPackage('@openai/codex', 'bin/codex.js')], 'PATH and the npm package @openai/codex');
  return { command: context.nodePath, args: [launcher, ...context.profile.args] };
}
