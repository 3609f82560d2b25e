import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { z } from 'zod';
import { defineTool, describeFsError, ToolFailure, type ToolOutcome } from './toolSpec';
import { globMatcher, walk } from './walk';
import { resolveInWorktree, worktreeRelative } from './workspacePath';

export const MAX_LISTED = 1000;

export const listFilesTool = defineTool({
  name: 'list_files',
  description:
    'List files under a directory of the worktree (default: all of it), recursively, skipping .git; directories end ' +
    'with /. pattern is a glob (*.ts, src/**/*.test.ts, *.{js,mjs}); without / it matches file names. ' +
    `At most ${MAX_LISTED} entries, saying when cut.`,
  input: z.object({ path: z.string().min(1).max(4096).optional(), pattern: z.string().min(1).max(1024).optional() }),
  async run({ path = '.', pattern }, { root, signal }): Promise<ToolOutcome> {
    const start = resolveInWorktree(root, path);
    try {
      if (!(await stat(start)).isDirectory()) throw new ToolFailure(`${path} is a file, not a directory; use read_file`);
    } catch (error) {
      throw error instanceof ToolFailure ? error : new ToolFailure(describeFsError(error, path));
    }
    // A pattern with '/' is relative to the listed directory, as it would be in a shell there.
    const matches = pattern ? globMatcher(pattern) : () => true;
    const listed: string[] = [];
    let capped = false;
    for await (const entry of walk(root, start, signal)) {
      const isDirectory = entry.dirent.isDirectory();
      // With a pattern, only the files it matches; without, directories too (marked with a /).
      if (pattern && (isDirectory || !matches(relative(start, entry.absolute)))) continue;
      if (listed.length === MAX_LISTED) {
        capped = true;
        break;
      }
      listed.push(isDirectory ? `${entry.path}/` : entry.path);
    }
    const where = worktreeRelative(root, start);
    if (listed.length === 0) {
      const none = `no ${pattern ? `files matching ${pattern}` : 'files'} under ${where}`;
      return { ok: true, content: none, summary: none };
    }
    listed.sort();
    const note = capped ? `\n[capped at ${MAX_LISTED} entries, shallowest first; narrow it with path or pattern]` : '';
    return {
      ok: true,
      content: listed.join('\n') + note,
      summary: `${listed.length}${capped ? '+' : ''} entries under ${where}`,
    };
  },
});
