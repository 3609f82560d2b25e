import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ToolFailure } from './toolSpec';

const within = (root: string, path: string): boolean => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * The real location of `requested` (relative to the worktree, or absolute inside it), refusing any path that
 * resolves outside the worktree: `..`, an absolute path elsewhere, or a symlink (at any level) pointing out.
 * The path need not exist yet (write_file): its deepest existing ancestor is resolved and the rest appended.
 * A check, not a sandbox: a symlink swapped in between this check and the use is the sandbox's job.
 */
export function resolveInWorktree(root: string, requested: string): string {
  if (requested.includes('\0')) throw new ToolFailure('the path contains a NUL byte');
  const target = resolve(root, requested);
  if (!within(root, target)) {
    throw new ToolFailure(`${requested} is outside the worktree (${root}); give a path inside it, relative to it`);
  }
  const real = realLocation(target, requested);
  if (!within(root, real)) {
    throw new ToolFailure(`${requested} leads outside the worktree through a symlink (it resolves to ${real}); refused`);
  }
  return real;
}

/** The path of `absolute` relative to the worktree, '.' for the worktree itself: what tools show the model. */
export function worktreeRelative(root: string, absolute: string): string {
  return relative(root, absolute) || '.';
}

function realLocation(target: string, requested: string): string {
  const missing: string[] = [];
  let at = target;
  for (;;) {
    try {
      return join(realpathSync(at), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      // A symlink whose target is missing would be followed by a write: where to is unknown, so refuse.
      if (isSymlink(at)) throw new ToolFailure(`${requested}: ${at} is a symlink to a missing target; refused`);
      missing.push(basename(at));
      const parent = dirname(at);
      if (parent === at) throw error;
      at = parent;
    }
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
