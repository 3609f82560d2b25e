import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { profile as testProfile } from '../../test/integration/cli-agents/fixture';
import type { LaunchContext, Profile } from '../agents/launchSpec';
import { CLAUDE_HOOK_EVENTS, claudeCodeLauncher } from './claudeCode';
import { HOOK_SCRIPT, hookDeadlineMs, hookTimeoutSeconds } from './hookCommand';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function context(overrides: Partial<LaunchContext> = {}, profile: Partial<Profile> = {}): LaunchContext {
  const root = mkdtempSync(join(tmpdir(), 'fd-claude-launcher-'));
  dirs.push(root);
  const agentDir = join(root, 'agent');
  mkdirSync(agentDir, { mode: 0o700 });
  return {
    name: 'a1',
    profile: testProfile('claude-code', { command: '/opt/claude/bin/claude', ...profile }),
    worktree: join(root, 'wt'),
    branch: 'agent/a1',
    task: 'fix the parser',
    agentDir,
    socketPath: join(root, 'e.sock'),
    token: 't'.repeat(32),
    nodePath: '/usr/bin/node',
    hostEntry: "/opt/flight deck/it's here/agent-host.mjs",
    env: { PATH: '/usr/bin:/bin', ANTHROPIC_API_KEY: 'sk-ant-0123456789-abcdefghijklmnopqrstuvwxyz' },
    resuming: false,
    confined: false,
    ...overrides,
  };
}

const read = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('claudeCodeLauncher', () => {
  it('starts the CLI in default permission mode with only the generated settings and MCP config, the task as the prompt', () => {
    const ctx = context({}, { model: 'claude-sonnet-4-5', args: ['--verbose'] });
    const spec = claudeCodeLauncher(ctx);
    const dir = join(ctx.agentDir, 'claude-code');

    expect(spec.command).toBe('/opt/claude/bin/claude');
    expect(spec.args).toEqual([
      '--verbose',
      '--permission-mode',
      'default',
      '--setting-sources',
      'user',
      '--settings',
      join(dir, 'settings.json'),
      '--mcp-config',
      join(dir, 'mcp.json'),
      '--strict-mcp-config',
      '--model',
      'claude-sonnet-4-5',
      '--',
      'fix the parser',
    ]);
    expect(spec.env).toMatchObject({
      ...ctx.env,
      CLAUDE_CONFIG_DIR: join(dir, 'config'),
      CLAUDE_CODE_TMPDIR: join(dir, 'tmp'),
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    });
    expect(statSync(join(dir, 'settings.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'config')).mode & 0o777).toBe(0o700);
  });

  it('hooks every event to `agent-host hook claude-code EVENT`, quoted so sh runs exactly that argv', () => {
    const ctx = context();
    claudeCodeLauncher(ctx);
    const settings = read(join(ctx.agentDir, 'claude-code', 'settings.json')) as {
      hooks: Record<string, Array<{ matcher: string; hooks: Array<{ type: string; command: string; timeout: number }> }>>;
    };
    expect(Object.keys(settings.hooks)).toEqual([...CLAUDE_HOOK_EVENTS]);
    for (const event of CLAUDE_HOOK_EVENTS) {
      const [entry] = settings.hooks[event]!;
      expect(entry!.matcher).toBe('*');
      expect(entry!.hooks).toHaveLength(1);
      expect(entry!.hooks[0]!.timeout).toBe(hookTimeoutSeconds(event));
      // What sh makes of the command line: the argv, one word per line.
      const argv = execFileSync('sh', ['-c', `printf '%s\\n' ${entry!.hooks[0]!.command}`], { encoding: 'utf8' });
      expect(argv).toBe(`${[ctx.nodePath, ctx.hostEntry, 'hook', 'claude-code', event].join('\n')}\n`);
    }
  });

  it('runs hook.pl with perl, with each event\'s deadline, where the bundle has it beside itself', () => {
    const bundleDir = mkdtempSync(join(tmpdir(), 'fd-hook-pl-'));
    dirs.push(bundleDir);
    writeFileSync(join(bundleDir, HOOK_SCRIPT), '');
    const ctx = context({ hostEntry: join(bundleDir, 'agent-host.mjs') });
    claudeCodeLauncher(ctx);
    const settings = read(join(ctx.agentDir, 'claude-code', 'settings.json')) as { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
    const perl = execFileSync('sh', ['-c', 'command -v perl'], { encoding: 'utf8' }).trim();
    for (const event of CLAUDE_HOOK_EVENTS) {
      const argv = execFileSync('sh', ['-c', `printf '%s\\n' ${settings.hooks[event]![0]!.hooks[0]!.command}`], { encoding: 'utf8' });
      expect(argv).toBe(`${[perl, join(bundleDir, HOOK_SCRIPT), `--deadline-ms=${hookDeadlineMs(event)}`, 'claude-code', event].join('\n')}\n`);
    }
  });

  it('gives the host MCP endpoint as the only server, always loaded, with a timeout long enough for a human', () => {
    const ctx = context();
    claudeCodeLauncher(ctx);
    expect(read(join(ctx.agentDir, 'claude-code', 'mcp.json'))).toEqual({
      mcpServers: {
        flightdeck: { type: 'stdio', command: ctx.nodePath, args: [ctx.hostEntry, 'mcp'], alwaysLoad: true, timeout: 7 * 24 * 3600 * 1000 },
      },
    });
  });

  it('seeds first-run state: onboarding done, the worktree trusted, the key approved by its last 20 characters', () => {
    const ctx = context();
    claudeCodeLauncher(ctx);
    expect(read(join(ctx.agentDir, 'claude-code', 'config', '.claude.json'))).toEqual({
      hasCompletedOnboarding: true,
      projects: { [ctx.worktree]: { hasTrustDialogAccepted: true } },
      // sk-ant-0123456789-abcdefghijklmnopqrstuvwxyz
      customApiKeyResponses: { rejected: [], approved: ['ghijklmnopqrstuvwxyz'] },
    });
  });

  it('resumes with --continue, keeping what Claude Code stored in its config', () => {
    const ctx = context({ resuming: true });
    const file = join(ctx.agentDir, 'claude-code', 'config', '.claude.json');
    mkdirSync(join(ctx.agentDir, 'claude-code', 'config'), { recursive: true });
    writeFileSync(file, JSON.stringify({ userID: 'u1', projects: { [ctx.worktree]: { lastCost: 3 } }, customApiKeyResponses: { approved: ['old'], rejected: ['x'] } }));
    const spec = claudeCodeLauncher(ctx);

    expect(spec.args.at(-1)).toBe('--continue');
    expect(spec.args).not.toContain(ctx.task);
    const seeded = read(file) as { userID: string; projects: Record<string, unknown>; customApiKeyResponses: { approved: string[]; rejected: string[] } };
    expect(seeded.userID).toBe('u1');
    expect(seeded.projects[ctx.worktree]).toEqual({ lastCost: 3, hasTrustDialogAccepted: true });
    expect(seeded.customApiKeyResponses.rejected).toEqual(['x']);
    expect(seeded.customApiKeyResponses.approved).toEqual(['old', ctx.env.ANTHROPIC_API_KEY!.slice(-20)]);
  });

  it('leaves out what the profile turns off: no hooks, no MCP endpoint', () => {
    const ctx = context({}, { governance: { hooks: false, mcp: false } });
    const spec = claudeCodeLauncher(ctx);
    expect(read(join(ctx.agentDir, 'claude-code', 'settings.json'))).toEqual({
      hooks: {},
      permissions: { disableBypassPermissionsMode: 'disable' },
    });
    expect(spec.args).not.toContain('--mcp-config');
  });

  it('passes a task that looks like an option as the prompt', () => {
    const spec = claudeCodeLauncher(context({ task: '--dangerously-skip-permissions' }));
    expect(spec.args.slice(-2)).toEqual(['--', '--dangerously-skip-permissions']);
  });

  it('finds the npm package’s native binary when the profile names no command and PATH has none', () => {
    const ctx = context({}, { command: null });
    const spec = claudeCodeLauncher({ ...ctx, env: { ...ctx.env, PATH: '/nonexistent' } });
    expect(spec.command).toMatch(/node_modules\/@anthropic-ai\/claude-code-linux-x64(-musl)?\/claude$/);
  });
});
