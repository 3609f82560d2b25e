import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutInheritedDescriptors } from './inheritedDescriptors';
import { planMounts } from './mounts';
import { sandboxCommand, type SandboxSpec } from './sandbox';
import { tempDir } from './testing/sandboxed';

function spec(layout: Partial<SandboxSpec>): SandboxSpec {
  return {
    bwrap: '/usr/bin/bwrap', userns: true, command: 'agent', args: ['--flag'], cwd: '/',
    writable: [], readOnly: [], hidden: [], sockets: [], network: 'isolated', privateTmp: false,
    ...layout,
  };
}

/** The mount operations of a bwrap argv, one string each, in order. */
function mountOps(args: string[]): string[] {
  const ops: string[] = [];
  for (let i = 0; i < args.length && args[i] !== '--'; i += 1) {
    const arg = args[i] ?? '';
    if (['--bind', '--ro-bind', '--dev-bind'].includes(arg)) ops.push(`${arg} ${args[(i += 1)]} ${args[(i += 1)]}`);
    else if (['--tmpfs', '--remount-ro', '--dev', '--proc'].includes(arg)) ops.push(`${arg} ${args[(i += 1)]}`);
  }
  return ops;
}

describe('sandboxCommand: the bwrap command line', () => {
  let root: ReturnType<typeof tempDir>;
  const at = (...parts: string[]): string => join(root.path, ...parts);

  beforeAll(() => {
    root = tempDir('fd-sbx-args-');
    mkdirSync(at('state', 'worktrees', 'a1'), { recursive: true });
    mkdirSync(at('state', 'agents', 'a1'), { recursive: true });
    writeFileSync(at('state', 'worktrees', 'a1', '.env'), 'SECRET=1\n');
    writeFileSync(at('state', 'agents', 'a1', 'settings.json'), '{}\n');
    symlinkSync('/', at('root-link'));
  });
  afterAll(() => root?.remove());

  it('orders mounts parents first: tmpfs before what is re-exposed inside it, a secret inside the worktree after the worktree', () => {
    const { command, args } = sandboxCommand(
      spec({
        privateTmp: true,
        hidden: [at('state', 'worktrees', 'a1', '.env'), at('state')],
        writable: [at('state', 'worktrees', 'a1')],
        readOnly: [at('state', 'agents', 'a1', 'settings.json')],
      }),
    );
    expect(command).toBe('/usr/bin/bwrap');
    const state = at('state');
    expect(mountOps(args)).toEqual([
      '--ro-bind / /',
      '--dev /dev',
      '--proc /proc',
      '--tmpfs /tmp',
      `--tmpfs ${state}`,
      `--bind ${state}/worktrees/a1 ${state}/worktrees/a1`,
      `--ro-bind ${state}/agents/a1/settings.json ${state}/agents/a1/settings.json`,
      `--dev-bind /dev/null ${state}/worktrees/a1/.env`,
      `--remount-ro ${state}`,
    ]);
  });

  it('confines with every namespace but the terminal session, drops capabilities, runs the agent through the launcher', () => {
    const { args } = sandboxCommand(spec({ cwd: at('state', 'worktrees', 'a1') }));
    const flags = args.slice(0, args.indexOf('--'));
    for (const flag of ['--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-user', '--disable-userns', '--die-with-parent']) {
      expect(flags).toContain(flag);
    }
    expect(flags.join(' ')).toContain('--cap-drop ALL');
    expect(flags.join(' ')).toContain(`--chdir ${at('state', 'worktrees', 'a1')}`);
    expect(flags).not.toContain('--new-session');
    expect(flags).not.toContain('--setenv');
    const inner = args.slice(args.indexOf('--') + 1);
    expect(inner[0]).toBe('/usr/bin/perl');
    expect(inner.slice(-3)).toEqual(['--', 'agent', '--flag']);

    const hostNet = sandboxCommand(spec({ network: 'host', userns: false, foreground: false })).args;
    expect(hostNet).not.toContain('--unshare-net');
    expect(hostNet).not.toContain('--unshare-user');
    expect(hostNet.slice(hostNet.indexOf('--'))).toEqual(['--', ...withoutInheritedDescriptors('sandbox', 'agent', ['--flag'])]);
  });

  it('refuses paths with "..", relative paths, the root itself (also through a symlink) and missing binds', () => {
    expect(() => sandboxCommand(spec({ writable: [`${at('state')}/../state`] }))).toThrow(/must not contain "\.\."/);
    expect(() => sandboxCommand(spec({ hidden: [`${at('state')}/..`] }))).toThrow(/hidden path must not contain "\.\."/);
    expect(() => sandboxCommand(spec({ writable: ['relative/dir'] }))).toThrow(/writable path must be absolute/);
    expect(() => sandboxCommand(spec({ cwd: '/a/../b' }))).toThrow(/cwd path must not contain/);
    expect(() => sandboxCommand(spec({ writable: [at('root-link')] }))).toThrow(/writable path resolves to \//);
    expect(() => sandboxCommand(spec({ writable: [at('no-such-worktree')] }))).toThrow(`sandbox: writable path does not exist: ${at('no-such-worktree')}`);
    expect(() => sandboxCommand(spec({ sockets: [at('no.sock')] }))).toThrow(/sockets path does not exist/);
    expect(() => sandboxCommand(spec({ sockets: [at('state')] }))).toThrow(/not a Unix socket/);
  });

  it('skips hidden paths that do not exist and refuses one path in two roles', () => {
    expect(planMounts({ writable: [], readOnly: [], sockets: [], privateTmp: false, hidden: [at('no-such-dir'), at('state')] })).toEqual([
      { kind: 'hide-dir', path: at('state') },
    ]);
    expect(() => sandboxCommand(spec({ hidden: [at('state')], writable: [at('state')] }))).toThrow(/is both hidden and writable/);
    expect(() => sandboxCommand(spec({ privateTmp: true, writable: ['/tmp'] }))).toThrow(/both the private \/tmp and writable/);
  });
});
