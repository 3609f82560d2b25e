import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface WalkEntry {
  /** Relative to the worktree, '/'-separated. */
  path: string;
  absolute: string;
  dirent: Dirent;
}

/**
 * Every entry under `start`, shallowest first (so a capped listing shows the top of the tree, not one deep
 * corner of it), sorted by name within a directory. Skips `.git` (a directory, or a file in a worktree) and
 * never follows symlinks: a link is listed, not entered, so nothing outside the worktree is walked.
 */
export async function* walk(root: string, start: string, signal: AbortSignal): AsyncGenerator<WalkEntry> {
  const queue = [start];
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    signal.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      // Unreadable (permissions) or gone since it was listed: skipped, as rg skips it.
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const dirent of entries) {
      if (dirent.name === '.git') continue;
      const absolute = join(dir, dirent.name);
      yield { path: relative(root, absolute), absolute, dirent };
      if (dirent.isDirectory()) queue.push(absolute);
    }
  }
}

/**
 * A glob as a RegExp over '/'-separated paths: `*` and `?` stay within a path segment, `**` crosses them,
 * `{a,b}` and `[abc]` / `[!abc]` as in a shell. A pattern without '/' matches the file name alone.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  const regexp = new RegExp(`^${globSource(glob)}$`);
  const byName = !glob.includes('/');
  return (path) => regexp.test(byName ? (path.split('/').at(-1) ?? path) : path);
}

function globSource(glob: string): string {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else source += '.*';
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '{' && glob.indexOf('}', i) > i) {
      const end = glob.indexOf('}', i);
      source += `(?:${glob.slice(i + 1, end).split(',').map(globSource).join('|')})`;
      i = end;
    } else if (char === '[' && glob.indexOf(']', i + 2) > i) {
      const end = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
      source += `[${body}]`;
      i = end;
    } else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return source;
}
