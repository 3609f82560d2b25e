import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { defineTool, describeFsError, formatBytes, plural, ToolFailure, type ToolOutcome } from './toolSpec';
import { resolveInWorktree } from './workspacePath';

/** About 16k tokens: a big file read whole would crowd out the rest of the context. */
export const MAX_READ_BYTES = 64 * 1024;
/** Text files have no NUL byte in their first few KB; git uses the same test. */
const BINARY_SNIFF_BYTES = 8000;

const RelativePath = z.string().min(1).max(4096);

const lineCount = (text: string): number => (text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0));

async function readText(real: string, path: string): Promise<string> {
  try {
    return await readFile(real, 'utf8');
  } catch (error) {
    throw new ToolFailure(describeFsError(error, path));
  }
}

export const readFileTool = defineTool({
  name: 'read_file',
  description:
    `Read a text file of the worktree (path relative to it). Files over ${MAX_READ_BYTES / 1024} KB are cut, saying so; ` +
    'read further parts with run_command (e.g. sed -n).',
  input: z.object({ path: RelativePath }),
  async run({ path }, { root }): Promise<ToolOutcome> {
    const real = resolveInWorktree(root, path);
    let size: number;
    let head: Buffer;
    try {
      if ((await stat(real)).isDirectory()) throw new ToolFailure(`${path} is a directory; use list_files`);
      const file = await open(real, 'r');
      try {
        size = (await file.stat()).size;
        head = Buffer.alloc(Math.min(size, MAX_READ_BYTES));
        const { bytesRead } = await file.read(head, 0, head.length, 0);
        head = head.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    } catch (error) {
      throw error instanceof ToolFailure ? error : new ToolFailure(describeFsError(error, path));
    }
    if (head.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
      return { ok: false, content: `${path} is a binary file (${formatBytes(size)}); not shown`, summary: `binary, ${formatBytes(size)}` };
    }
    const text = head.toString('utf8');
    if (size <= MAX_READ_BYTES) {
      return { ok: true, content: text === '' ? '(empty file)' : text, summary: `${plural(lineCount(text), 'line')}, ${formatBytes(size)}` };
    }
    const note =
      `\n[truncated: showing the first ${formatBytes(MAX_READ_BYTES)} of ${formatBytes(size)}; ` +
      `read further with run_command, e.g. sed -n '1500,1800p' ${path}]`;
    return { ok: true, content: text + note, summary: `cut at ${formatBytes(MAX_READ_BYTES)} of ${formatBytes(size)}` };
  },
});

export const writeFileTool = defineTool({
  name: 'write_file',
  description: 'Create or overwrite a file of the worktree with the given content, creating missing parent directories.',
  input: z.object({ path: RelativePath, content: z.string() }),
  async run({ path, content }, { root }): Promise<ToolOutcome> {
    const real = resolveInWorktree(root, path);
    const existed = await stat(real).then(
      (info) => {
        if (info.isDirectory()) throw new ToolFailure(`${path} is a directory`);
        return true;
      },
      () => false,
    );
    try {
      await mkdir(dirname(real), { recursive: true });
      await writeFile(real, content, 'utf8');
    } catch (error) {
      throw new ToolFailure(describeFsError(error, path));
    }
    const bytes = formatBytes(Buffer.byteLength(content));
    const summary = `${existed ? 'overwrote' : 'created'} ${path} (${plural(lineCount(content), 'line')}, ${bytes})`;
    return { ok: true, content: summary, summary };
  },
});

/** Every position `needle` starts at, overlapping ones included: "aa" in "aaa" is ambiguous, so it counts twice. */
function matchPositions(text: string, needle: string, limit: number): number[] {
  const positions: number[] = [];
  for (let at = text.indexOf(needle); at !== -1 && positions.length < limit; at = text.indexOf(needle, at + 1)) positions.push(at);
  return positions;
}

export const editFileTool = defineTool({
  name: 'edit_file',
  description:
    'Replace one exact occurrence of old_string with new_string in a file of the worktree. old_string must match ' +
    'exactly (whitespace included) and exactly once: include enough surrounding lines to make it unique.',
  input: z.object({ path: RelativePath, old_string: z.string().min(1), new_string: z.string() }),
  async run({ path, old_string, new_string }, { root }): Promise<ToolOutcome> {
    if (old_string === new_string) throw new ToolFailure('old_string and new_string are the same; nothing to change');
    const real = resolveInWorktree(root, path);
    const text = await readText(real, path);
    const positions = matchPositions(text, old_string, 1000);
    if (positions.length === 0) throw new ToolFailure(`old_string was not found in ${path}; read the file and copy the text exactly`);
    if (positions.length > 1) {
      const count = positions.length >= 1000 ? '1000 or more' : String(positions.length);
      throw new ToolFailure(`old_string matches ${count} times in ${path}; include more surrounding lines so it matches once`);
    }
    const at = positions[0]!;
    // Sliced, not String.replace: a `$&` or `$1` in new_string must land as written.
    const edited = text.slice(0, at) + new_string + text.slice(at + old_string.length);
    try {
      await writeFile(real, edited, 'utf8');
    } catch (error) {
      throw new ToolFailure(describeFsError(error, path));
    }
    const line = text.slice(0, at).split('\n').length;
    const summary = `edited ${path} at line ${line} (-${lineCount(old_string) || 1} +${lineCount(new_string)} lines)`;
    return { ok: true, content: summary, summary };
  },
});
