import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterEach, describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { profile as testProfile } from '../../test/integration/cli-agents/fixture';
import type { LaunchContext, Profile } from '../agents/launchSpec';
import { CODEX_HOOK_EVENTS, codexLauncher } from './codex';
import { hookTimeoutSeconds } from './hookCommand';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function context(overrides: Partial<LaunchContext> = {}, profile: Partial<Profile> = {}): LaunchContext {
  const root = mkdtempSync(join(tmpdir(), 'fd-codex-launcher-'));
  dirs.push(root);
  for (const dir of ['agent', 'wt']) mkdirSync(join(root, dir), { mode: 0o700 });
  return {
    name: 'a1',
    profile: testProfile('codex', { ...profile }),
    worktree: join(root, 'wt'),
    branch: 'agent/a1',
    task: 'fix the parser',
    agentDir: join(root, 'agent'),
    socketPath: join(root, 'e.sock'),
    token: 't'.repeat(32),
    nodePath: process.execPath,
    hostEntry: '/opt/flightdeck/agent-host.mjs',
    // No PATH entry with a codex: the npm package's launcher is found.
    env: { PATH: '/nonexistent', FLIGHTDECK_CODEX_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'sk-test' },
    resuming: false,
    confined: false,
    ...overrides,
  };
}

/** The -c overrides of a command line, parsed back the way Codex parses them (TOML values). */
function overrides(args: string[]): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  args.forEach((arg, index) => {
    if (args[index - 1] !== '-c') return;
    const [key, value] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
    parsed[key] = parseToml(`v = ${value}`).v;
  });
  return parsed;
}

describe('codexLauncher', () => {
  it('runs the npm package’s launcher with the governing settings as -c overrides (no config file outranks them)', () => {
    const ctx = context({}, { model: 'gpt-5.5' });
    const spec = codexLauncher(ctx);

    expect(spec.command).toBe(process.execPath);
    expect(spec.args[0]).toMatch(/node_modules\/@openai\/codex\/bin\/codex\.js$/);
    expect(overrides(spec.args)).toMatchObject({
      model_provider: 'flightdeck',
      'model_providers.flightdeck.base_url': 'http://127.0.0.1:9/v1',
      'model_providers.flightdeck.wire_api': 'responses',
      'model_providers.flightdeck.env_key': 'OPENAI_API_KEY',
      approval_policy: 'never',
      sandbox_mode: 'workspace-write',
      web_search: 'disabled',
      'sandbox_workspace_write.network_access': false,
      'sandbox_workspace_write.exclude_slash_tmp': true,
      'sandbox_workspace_write.exclude_tmpdir_env_var': true,
      'shell_environment_policy.exclude': ['OPENAI_API_KEY', 'FLIGHTDECK_AGENT_TOKEN', 'FLIGHTDECK_AGENT_SOCKET'],
      'mcp_servers.flightdeck.command': process.execPath,
      'mcp_servers.flightdeck.args': ['/opt/flightdeck/agent-host.mjs', 'mcp'],
      'mcp_servers.flightdeck.env_vars': ['FLIGHTDECK_AGENT_SOCKET', 'FLIGHTDECK_AGENT_TOKEN', 'FLIGHTDECK_AGENT'],
      'mcp_servers.flightdeck.required': true,
      'mcp_servers.flightdeck.default_tools_approval_mode': 'approve',
      'analytics.enabled': false,
      'features.plugins': false,
    });
    expect(spec.args.slice(-9)).toEqual([
      '--strict-config',
      '--no-daemon',
      '--cd',
      ctx.worktree,
      '--dangerously-bypass-hook-trust',
      '--model',
      'gpt-5.5',
      '--',
      'fix the parser',
    ]);
    const home = join(ctx.agentDir, 'codex', 'home');
    expect(spec.env).toMatchObject({ CODEX_HOME: home, TMPDIR: join(ctx.agentDir, 'codex', 'tmp'), OPENAI_API_KEY: 'sk-test' });
    expect(statSync(join(home, 'config.toml')).mode & 0o777).toBe(0o600);
  });

  it('writes config.toml with the same settings, the worktree trusted, notify and the hooks to agent-host hook', () => {
    const ctx = context({}, { model: 'gpt-5.5' });
    codexLauncher(ctx);
    const config = parseToml(readFileSync(join(ctx.agentDir, 'codex', 'home', 'config.toml'), 'utf8'));

    expect(config).toMatchObject({ model_provider: 'flightdeck', approval_policy: 'never', sandbox_mode: 'workspace-write' });
    expect(config.notify).toEqual([process.execPath, '/opt/flightdeck/agent-host.mjs', 'hook', 'codex', 'notify']);
    expect(config.projects).toEqual({ [ctx.worktree]: { trust_level: 'trusted' } });
    // The pinned Codex's catalog offers gpt-6-sol to gpt-5.5 users at start-up: marked seen.
    expect(config.notice).toEqual({ model_migrations: { 'gpt-5.5': 'gpt-6-sol' } });
    const hooks = config.hooks as unknown as Record<string, Array<{ hooks: Array<{ type: string; command: string; timeout: number }> }>>;
    expect(Object.keys(hooks)).toEqual([...CODEX_HOOK_EVENTS]);
    for (const event of CODEX_HOOK_EVENTS) {
      expect(hooks[event]).toEqual([
        { hooks: [{ type: 'command', command: `'${process.execPath}' '/opt/flightdeck/agent-host.mjs' 'hook' 'codex' '${event}'`, timeout: hookTimeoutSeconds(event) }] },
      ]);
    }
  });

  it('resumes the last session of the agent’s own CODEX_HOME', () => {
    const spec = codexLauncher(context({ resuming: true }));
    expect(spec.args.slice(1, 3)).toEqual(['resume', '--last']);
    expect(spec.args).not.toContain('fix the parser');
  });

  it('needs the model endpoint in agent.env', () => {
    const ctx = context();
    expect(() => codexLauncher({ ...ctx, env: { PATH: '/nonexistent' } })).toThrow(/FLIGHTDECK_CODEX_BASE_URL/);
  });

  it.each(['config.toml', 'hooks.json'])('refuses a branch whose .codex/%s would add hooks and MCP servers outside the sandbox', (file) => {
    const ctx = context();
    mkdirSync(join(ctx.worktree, '.codex'));
    writeFileSync(join(ctx.worktree, '.codex', file), '');
    let error: unknown;
    try {
      codexLauncher(ctx);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(WireError);
    expect((error as WireError).code).toBe(WireErrorCode.ConfigInvalid);
    expect((error as WireError).message).toContain(join(ctx.worktree, '.codex', file));
  });

  it('leaves out what the profile turns off: no hooks, no MCP endpoint, no hook-trust bypass', () => {
    const ctx = context({}, { governance: { hooks: false, mcp: false } });
    const spec = codexLauncher(ctx);
    const config = parseToml(readFileSync(join(ctx.agentDir, 'codex', 'home', 'config.toml'), 'utf8'));
    expect(config.hooks).toBeUndefined();
    expect(config.mcp_servers).toEqual({});
    expect(spec.args).not.toContain('--dangerously-bypass-hook-trust');
  });
});
