import { foregroundArgv } from './foreground';
import { withoutInheritedDescriptors } from './inheritedDescriptors';
import { checkPath, mountArgs, planMounts, type MountRequest } from './mounts';

/**
 * One confined command. Environment: bwrap passes its own environment through unchanged, so the caller
 * gives the agent's environment to node-pty / child_process exactly as it would without a sandbox, and
 * scrubs it there (no --setenv here: values in bwrap's argv are visible to every host user in `ps`).
 */
export interface SandboxSpec extends MountRequest {
  /** The bwrap binary, from probeSandbox(). */
  bwrap: string;
  /**
   * From probeSandbox(): this host can give the sandbox a user namespace of its own. Then the agent gets
   * one and may not create more (--unshare-user --disable-userns): no nested namespaces to attack the
   * kernel with or to build a sandbox-in-the-sandbox (tools that need their own, e.g. Chromium's
   * sandbox or a nested bwrap, must run with theirs off).
   */
  userns: boolean;
  command: string;
  args: readonly string[];
  /** Working directory inside the sandbox (usually the worktree). */
  cwd: string;
  /** 'isolated': own network namespace with only `lo` (bwrap brings it up); the way out is a bound socket. */
  network: 'isolated' | 'host';
  /**
   * Make the command the foreground process group of the terminal on its stdin (see foreground.ts);
   * a no-op without a terminal. Default true. Either way the first program inside is /usr/bin/perl (it closes
   * inherited descriptors), so perl must be visible inside.
   */
  foreground?: boolean;
}

export interface SandboxedCommand {
  command: string;
  args: string[];
}

/**
 * The bwrap command line that runs `spec.command` confined: the whole system read-only (`--ro-bind / /`),
 * a minimal /dev with a fresh devpts, a /proc of its own PID namespace, then the planned mounts (private
 * /tmp, hidden paths, read-only and writable binds, sockets; parents first), every capability dropped
 * (bwrap run as root keeps them all otherwise — measured: `mount -o remount,rw /` then succeeds inside),
 * own PID/IPC/UTS/cgroup namespaces, and SIGKILL for everything inside when bwrap or its parent dies. The first
 * program inside closes every descriptor the daemon leaked to it (inheritedDescriptors.ts).
 *
 * No --new-session: the sandbox keeps the PTY as its controlling terminal; see foreground.ts for why that
 * is safe and how terminal signals are kept away from bwrap.
 *
 * Throws (before anything runs) when a path is relative or contains `..`, a writable/readOnly/socket path
 * does not exist, or one real path is given two roles.
 */
export function sandboxCommand(spec: SandboxSpec): SandboxedCommand {
  checkPath(spec.cwd, 'cwd');
  if (!spec.command) throw new Error('sandbox: command is empty');
  const mounts = planMounts(spec);
  const inner = spec.foreground === false ? withoutInheritedDescriptors('sandbox', spec.command, spec.args) : foregroundArgv(spec.command, spec.args);
  const args = [
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    ...mountArgs(mounts),
    ...(spec.network === 'isolated' ? ['--unshare-net'] : []),
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(spec.userns ? ['--unshare-user', '--disable-userns'] : []),
    '--cap-drop', 'ALL',
    '--die-with-parent',
    '--chdir', spec.cwd,
    '--',
    ...inner,
  ];
  return { command: spec.bwrap, args };
}
