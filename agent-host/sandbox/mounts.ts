import { realpathSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** What the sandbox's filesystem view is made of, besides the read-only system. */
export interface MountRequest {
  /** Bound read-write (worktree, agent home, agent temp dir, policy extras). Must exist. */
  writable: readonly string[];
  /** Bound read-only, e.g. a config file or a bundle re-exposed inside a hidden area or under a private /tmp. Must exist. */
  readOnly: readonly string[];
  /** Made invisible: a directory becomes an empty read-only tmpfs, anything else reads as /dev/null. Missing ones are skipped. */
  hidden: readonly string[];
  /** Unix sockets bound in (the agent's endpoint, its egress proxy). Must exist and be sockets. */
  sockets: readonly string[];
  /** An empty tmpfs on /tmp (binds under /tmp still show through). */
  privateTmp: boolean;
}

export type MountKind = 'private-tmp' | 'hide-dir' | 'hide-file' | 'read-only' | 'writable' | 'socket';

/** One mount in the sandbox, at its real (symlink-free) path. */
export interface Mount {
  kind: MountKind;
  path: string;
}

/** A hidden directory's tmpfs holds only the mount points of what is re-exposed inside it. */
const HIDDEN_DIR_TMPFS_BYTES = 1024 * 1024;

const LABEL: Record<MountKind, string> = {
  'private-tmp': 'the private /tmp',
  'hide-dir': 'hidden',
  'hide-file': 'hidden',
  'read-only': 'readOnly',
  writable: 'writable',
  socket: 'sockets',
};

/** Rejects anything but a plain absolute path: relative, `..` anywhere, NUL bytes. */
export function checkPath(path: string, role: string): void {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`sandbox: ${role} path is empty`);
  if (path.includes('\0')) throw new Error(`sandbox: ${role} path contains a NUL byte: ${JSON.stringify(path)}`);
  if (!isAbsolute(path)) throw new Error(`sandbox: ${role} path must be absolute: ${path}`);
  if (path.split('/').includes('..')) throw new Error(`sandbox: ${role} path must not contain "..": ${path}`);
}

function realOrUndefined(path: string, role: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`sandbox: cannot resolve ${role} path ${path}: ${(error as Error).message}`);
  }
}

function mustExist(path: string, role: string): string {
  const real = realOrUndefined(path, role);
  if (real === undefined) throw new Error(`sandbox: ${role} path does not exist: ${path}`);
  return real;
}

/**
 * Resolves and orders the mounts. Paths are resolved with realpath when the sandbox is built, so a symlink
 * cannot redirect a bind (source and destination are the same real path); the system root itself is never
 * a valid target. Mounts are ordered by depth, parents first: a later mount covers what an earlier one
 * put under it, so a hidden directory's tmpfs (or the private /tmp) comes before the binds that re-expose
 * paths inside it, and a hidden path inside a writable worktree comes after the worktree's bind.
 */
export function planMounts(request: MountRequest): Mount[] {
  const byPath = new Map<string, Mount>();
  const add = (mount: Mount, original: string): void => {
    if (mount.path === '/') throw new Error(`sandbox: ${LABEL[mount.kind]} path resolves to /: ${original}`);
    const existing = byPath.get(mount.path);
    if (existing && existing.kind !== mount.kind) {
      throw new Error(`sandbox: ${mount.path} is both ${LABEL[existing.kind]} and ${LABEL[mount.kind]} (from ${original})`);
    }
    byPath.set(mount.path, mount);
  };

  if (request.privateTmp) byPath.set('/tmp', { kind: 'private-tmp', path: '/tmp' });
  for (const path of request.hidden) {
    checkPath(path, 'hidden');
    const real = realOrUndefined(path, 'hidden');
    if (real === undefined) continue;
    if (real === '/tmp' && request.privateTmp) continue;
    add({ kind: statSync(real).isDirectory() ? 'hide-dir' : 'hide-file', path: real }, path);
  }
  for (const [paths, kind] of [
    [request.readOnly, 'read-only'],
    [request.writable, 'writable'],
    [request.sockets, 'socket'],
  ] as const) {
    for (const path of paths) {
      checkPath(path, LABEL[kind]);
      const real = mustExist(path, LABEL[kind]);
      if (kind === 'socket' && !statSync(real).isSocket()) throw new Error(`sandbox: sockets path is not a Unix socket: ${path}`);
      add({ kind, path: real }, path);
    }
  }

  const depth = (path: string): number => path.split('/').length;
  return [...byPath.values()].sort((a, b) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** bwrap arguments for the planned mounts, after `--ro-bind / / --dev /dev --proc /proc`. */
export function mountArgs(mounts: readonly Mount[]): string[] {
  const args: string[] = [];
  for (const { kind, path } of mounts) {
    switch (kind) {
      case 'private-tmp':
        args.push('--tmpfs', path);
        break;
      case 'hide-dir':
        args.push('--size', String(HIDDEN_DIR_TMPFS_BYTES), '--tmpfs', path);
        break;
      case 'hide-file':
        // --ro-bind would mount it nodev (open fails with EACCES); the null device itself reads empty.
        args.push('--dev-bind', '/dev/null', path);
        break;
      case 'read-only':
        args.push('--ro-bind', path, path);
        break;
      case 'writable':
      case 'socket':
        args.push('--bind', path, path);
        break;
    }
  }
  // Hidden directories become read-only once their mount points exist; --remount-ro is not recursive,
  // so what is bound inside keeps its own mode.
  for (const { kind, path } of mounts) if (kind === 'hide-dir') args.push('--remount-ro', path);
  return args;
}
