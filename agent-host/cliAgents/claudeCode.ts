import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { LaunchContext, LaunchSpec, Launcher } from '../agents/launchSpec';
import { findOnPath } from '../sessions/resolveCommand';
import { firstFound, inPackage, privateDir, writePrivateFile } from './cliFiles';
import { hookTimeoutSeconds, MCP_SERVER_NAME, hookShellCommand, mcpArgv } from './hookCommand';

/** The events whose hooks call the host: tool calls (before and after), status, and the proof that hooks load. */
export const CLAUDE_HOOK_EVENTS = [
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
  'Notification',
  'Stop',
  'UserPromptSubmit',
  'SessionStart',
] as const;

// Claude Code ignores a settings file it finds invalid — silently, hooks and all — so what is generated is checked
// against the shape it expects before it is written (and the SessionStart hook proves at run time that it loaded).
const CommandHook = z.object({ type: z.literal('command'), command: z.string().min(1), timeout: z.number().int().positive() }).strict();
const HookMatcher = z.object({ matcher: z.string().min(1), hooks: z.array(CommandHook).min(1) }).strict();
const ClaudeSettings = z
  .object({
    hooks: z.partialRecord(z.enum(CLAUDE_HOOK_EVENTS), z.array(HookMatcher).length(1)),
    permissions: z.object({ disableBypassPermissionsMode: z.literal('disable') }).strict(),
  })
  .strict();
const McpServer = z
  .object({
    type: z.literal('stdio'),
    command: z.string().min(1),
    args: z.array(z.string()),
    alwaysLoad: z.literal(true),
    timeout: z.number().int().min(1000),
  })
  .strict();
const McpConfig = z.object({ mcpServers: z.record(z.string(), McpServer) }).strict();

/** A human may take days to answer ask_human or a checkpoint; Claude Code's own default gives up after about a day. */
const MCP_CALL_TIMEOUT_MS = 7 * 24 * 3600 * 1000;

/** `.claude.json` as far as the seed touches it; everything else Claude Code keeps there is carried over. */
const SeededConfig = z.looseObject({
  projects: z.record(z.string(), z.looseObject({})).optional(),
  customApiKeyResponses: z.looseObject({ approved: z.array(z.string()).optional() }).optional(),
});

/**
 * Claude Code, interactive in the agent's PTY. Every tool call passes its PreToolUse hook (`agent-host hook
 * claude-code PreToolUse`), which asks the host and answers allow or deny: the permission mode is `default`, so a
 * call the hook does not allow would wait at Claude Code's own prompt. Settings and MCP servers come only from the
 * files written here (the repo's .claude/settings*.json and .mcp.json are not loaded: they could add hooks, env or
 * servers), and its config, state and temp files live in the agent's dir.
 */
export const claudeCodeLauncher: Launcher = (context) => {
  const dir = privateDir(join(context.agentDir, 'claude-code'));
  const configDir = privateDir(join(dir, 'config'));
  const tmpDir = privateDir(join(dir, 'tmp'));
  seedConfig(join(configDir, '.claude.json'), context);

  const args = [...context.profile.args, '--permission-mode', 'default', '--setting-sources', 'user'];
  const settingsFile = join(dir, 'settings.json');
  writePrivateFile(settingsFile, `${JSON.stringify(ClaudeSettings.parse(settings(context)), null, 2)}\n`);
  args.push('--settings', settingsFile);
  if (context.profile.governance.mcp) {
    const mcpFile = join(dir, 'mcp.json');
    // alwaysLoad: the tools are in every request, not deferred behind Claude Code's tool search, so the model knows
    // from the start that it can checkpoint and ask.
    const server = { type: 'stdio' as const, ...mcpArgv(context), alwaysLoad: true as const, timeout: MCP_CALL_TIMEOUT_MS };
    writePrivateFile(mcpFile, `${JSON.stringify(McpConfig.parse({ mcpServers: { [MCP_SERVER_NAME]: server } }), null, 2)}\n`);
    args.push('--mcp-config', mcpFile, '--strict-mcp-config');
  }
  if (context.profile.model) args.push('--model', context.profile.model);
  // `--` so a task that starts with "-" is the prompt, not an option.
  if (context.resuming) args.push('--continue');
  else args.push('--', context.task);

  const spec: LaunchSpec = {
    command: claudeCommand(context),
    args,
    // Claude Code reloads a settings file that changes: the agent must not be able to edit its own hooks away.
    protectedFiles: [settingsFile, ...(context.profile.governance.mcp ? [join(dir, 'mcp.json')] : [])],
    env: {
      ...context.env,
      CLAUDE_CONFIG_DIR: configDir,
      CLAUDE_CODE_TMPDIR: tmpDir,
      // No telemetry, error reports, update checks or look-ups of the vendor's hosts; no marketplace git clone.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    },
  };
  return spec;
};

function settings(context: LaunchContext) {
  const hooks = context.profile.governance.hooks
    ? Object.fromEntries(
        CLAUDE_HOOK_EVENTS.map((event) => [
          event,
          [{ matcher: '*', hooks: [{ type: 'command', command: hookShellCommand(context, 'claude-code', event), timeout: hookTimeoutSeconds(event) }] }],
        ]),
      )
    : {};
  // bypassPermissions skips Claude Code's prompts, not its hooks; it is disabled all the same, so nobody at the
  // terminal switches an agent into it.
  return { hooks, permissions: { disableBypassPermissionsMode: 'disable' } };
}

/**
 * First-run state, so the interactive CLI starts working at once: onboarding done (else it calls the vendor and
 * exits), the worktree trusted, and the API key approved (else it asks, default No). Kept across resumes.
 */
function seedConfig(file: string, context: LaunchContext): void {
  const existing = existsSync(file) ? SeededConfig.safeParse(safeJson(readFileSync(file, 'utf8'))) : undefined;
  const config = existing?.success ? existing.data : {};
  const projects = config.projects ?? {};
  projects[context.worktree] = { ...projects[context.worktree], hasTrustDialogAccepted: true };
  const approved = new Set(config.customApiKeyResponses?.approved ?? []);
  const key = context.env.ANTHROPIC_API_KEY;
  if (key) approved.add(key.slice(-20));
  const seeded = {
    ...config,
    hasCompletedOnboarding: true,
    projects,
    customApiKeyResponses: { rejected: [], ...config.customApiKeyResponses, approved: [...approved] },
  };
  writePrivateFile(file, `${JSON.stringify(seeded, null, 2)}\n`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The profile's command, else `claude` on the agent's PATH, else the npm package's native binary: the platform
 * package's `claude` (present even when the wrapper's postinstall did not run, which leaves `bin/claude.exe` a stub).
 */
function claudeCommand(context: LaunchContext): string {
  if (context.profile.command) return context.profile.command;
  const path = context.env.PATH ?? process.env.PATH;
  // npm installs the one platform package that fits (glibc or musl on Linux).
  const platformPackage = `@anthropic-ai/claude-code-${process.platform}-${process.arch}`;
  return firstFound(
    'claude',
    [
      () => findOnPath('claude', null, path),
      () => inPackage(platformPackage, 'claude'),
      () => inPackage(`${platformPackage}-musl`, 'claude'),
    ],
    `PATH and the npm package ${platformPackage}`,
  );
}
