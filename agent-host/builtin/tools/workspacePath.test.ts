import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolFailure } from './toolSpec';
import { resolveInWorktree } from './workspacePath';

let base: string;
let root: string;
let outside: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'fd-paths-')));
  root = join(base, 'worktree');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'src', 'a.ts'), 'a');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const refusal = (path: string): string => {
  try {
    resolveInWorktree(root, path);
  } catch (error) {
    if (error instanceof ToolFailure) return error.message;
    throw error;
  }
  throw new Error(`${path} was accepted`);
};

describe('resolveInWorktree', () => {
  it('accepts paths inside the worktree, existing or not, relative or absolute', () => {
    expect(resolveInWorktree(root, 'src/a.ts')).toBe(join(root, 'src', 'a.ts'));
    expect(resolveInWorktree(root, './src/../src/a.ts')).toBe(join(root, 'src', 'a.ts'));
    expect(resolveInWorktree(root, 'new/dir/file.ts')).toBe(join(root, 'new', 'dir', 'file.ts'));
    expect(resolveInWorktree(root, join(root, 'src'))).toBe(join(root, 'src'));
    expect(resolveInWorktree(root, '.')).toBe(root);
  });

  it('refuses .. and absolute paths that leave it', () => {
    expect(refusal('../outside/secret.txt')).toContain('outside the worktree');
    expect(refusal('src/../../outside')).toContain('outside the worktree');
    expect(refusal('/etc/passwd')).toContain('outside the worktree');
    expect(refusal(join(base, 'worktree-sibling'))).toContain('outside the worktree');
  });

  it('refuses symlinks that lead out, at the end of the path or in the middle, existing target or new file', () => {
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    symlinkSync(outside, join(root, 'out'));
    expect(refusal('link.txt')).toContain('through a symlink');
    expect(refusal('out/secret.txt')).toContain('through a symlink');
    expect(refusal('out/new-file.txt')).toContain('through a symlink');
    expect(refusal('out/new/dir/file.txt')).toContain('through a symlink');
  });

  it('follows symlinks that stay inside, and refuses a dangling one', () => {
    symlinkSync(join(root, 'src'), join(root, 'src-link'));
    expect(resolveInWorktree(root, 'src-link/a.ts')).toBe(join(root, 'src', 'a.ts'));
    symlinkSync(join(outside, 'not-yet.txt'), join(root, 'dangling'));
    expect(refusal('dangling')).toContain('symlink to a missing target');
  });
});
