import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { z } from 'zod';
import { defineTool, ToolFailure, type ToolContext, type ToolOutcome } from './toolSpec';
import { walk } from './walk';
import { resolveInWorktree, worktreeRelative } from './workspacePath';

export const MAX_MATCH_LINES = 200;
const MAX_LINE_CHARS = 300;
/** The JS fallback skips bigger files: they are generated or data, and reading them whole is slow. */
const MAX_FALLBACK_FILE_BYTES = 1024 * 1024;

const SearchInput = z.object({ pattern: z.string().min(1).max(4096), path: z.string().min(1).max(4096).optional() });
type SearchInput = z.infer<typeof SearchInput>;

/** `rg` on PATH, or null (then search falls back to a walk in JS). */
export function findRipgrep(path: string | undefined): string | null {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'rg'), constants.X_OK);
      return join(dir, 'rg');
    } catch {
      // not in this directory
    }
  }
  return null;
}

const capNote = `[capped at ${MAX_MATCH_LINES} matching lines; narrow the pattern or the path]`;
const clip = (line: string) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);

function outcome(lines: string[], capped: boolean, pattern: string, where: string, extra = ''): ToolOutcome {
  if (lines.length === 0) return { ok: true, content: `no matches for ${pattern} under ${where}${extra}`, summary: 'no matches' };
  return {
    ok: true,
    content: lines.join('\n') + (capped ? `\n${capNote}` : '') + extra,
    summary: `${lines.length}${capped ? '+' : ''} matching lines`,
  };
}

/** The `search` tool: ripgrep when given its path, else a JS walk with the same output shape. */
export function searchTool(ripgrep: string | null) {
  return defineTool({
    name: 'search',
    description:
      'Search file contents of the worktree for a regular expression (under path, default all), skipping .git' +
      (ripgrep ? ' and .gitignored files' : '') +
      `. Prints path:line:text, at most ${MAX_MATCH_LINES} lines, saying when cut.`,
    input: SearchInput,
    run: (input, context) => (ripgrep ? searchWithRipgrep(ripgrep, input, context) : searchInJs(input, context)),
  });
}

async function searchWithRipgrep(ripgrep: string, { pattern, path }: SearchInput, { root, signal }: ToolContext): Promise<ToolOutcome> {
  const start = resolveInWorktree(root, path ?? '.');
  const where = worktreeRelative(root, start);
  const args = ['--line-number', '--with-filename', '--no-heading', '--color=never', '--hidden', '--glob=!.git'];
  args.push(`--max-columns=${MAX_LINE_CHARS}`, '--max-columns-preview', '--regexp', pattern, '--', where);
  const child = spawn(ripgrep, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], signal });
  // rg prints "./a.ts" for the path "."; the model should see the same paths as everywhere else.
  const shown = (line: string) => (where === '.' ? line.replace(/^\.\//, '') : line);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let capped = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (capped) return;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (lines.length === MAX_MATCH_LINES) {
        capped = true;
        child.kill();
        return;
      }
      lines.push(shown(line));
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode));
  });
  if (!capped && partial) lines.push(shown(partial));
  // rg: 0 found, 1 none, 2 an error (a bad regex; or unreadable files, next to matches found elsewhere).
  if (!capped && code === 2 && lines.length === 0) throw new ToolFailure(`search failed: ${stderr.trim() || 'rg exited with 2'}`);
  const errors = !capped && code === 2 ? `\n[some files could not be searched: ${stderr.trim().split('\n')[0]}]` : '';
  return outcome(lines, capped, pattern, where, errors);
}

async function searchInJs({ pattern, path }: SearchInput, { root, signal }: ToolContext): Promise<ToolOutcome> {
  let regexp: RegExp;
  try {
    regexp = new RegExp(pattern);
  } catch (error) {
    throw new ToolFailure(`search failed: invalid regular expression: ${(error as Error).message}`);
  }
  const start = resolveInWorktree(root, path ?? '.');
  const where = worktreeRelative(root, start);
  const lines: string[] = [];
  const files = (await isFile(start)) ? [{ path: where, absolute: start }] : walkFiles(root, start, signal);
  for await (const file of files) {
    const text = await readSmallText(file.absolute);
    if (text === null) continue;
    for (const [index, line] of text.split('\n').entries()) {
      if (!regexp.test(line)) continue;
      if (lines.length === MAX_MATCH_LINES) return outcome(lines, true, pattern, where);
      lines.push(clip(`${file.path}:${index + 1}:${line}`));
    }
  }
  return outcome(lines, false, pattern, where);
}

async function* walkFiles(root: string, start: string, signal: AbortSignal) {
  for await (const entry of walk(root, start, signal)) if (entry.dirent.isFile()) yield entry;
}

const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (info) => info.isFile(),
    () => false,
  );

/** The file's text, or null for a big, binary or unreadable one (skipped, as rg skips binaries). */
async function readSmallText(path: string): Promise<string | null> {
  try {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      if (size > MAX_FALLBACK_FILE_BYTES) return null;
      const bytes = await file.readFile();
      return bytes.includes(0) ? null : bytes.toString('utf8');
    } finally {
      await file.close();
    }
  } catch {
    return null;
  }
}
