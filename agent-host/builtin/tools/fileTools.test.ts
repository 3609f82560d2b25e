import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editFileTool, MAX_READ_BYTES, readFileTool, writeFileTool } from './fileTools';
import type { ToolContext } from './toolSpec';

let base: string;
let context: ToolContext;
const root = () => context.root;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'fd-files-')));
  mkdirSync(join(base, 'worktree'));
  mkdirSync(join(base, 'outside'));
  context = { root: join(base, 'worktree'), signal: new AbortController().signal };
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('read_file', () => {
  it('returns the text of a file', async () => {
    writeFileSync(join(root(), 'a.txt'), 'one\ntwo\n');
    expect(await readFileTool.run({ path: 'a.txt' }, context)).toEqual({ ok: true, content: 'one\ntwo\n', summary: '2 lines, 8 B' });
  });

  it('cuts a big file, saying so and how to read on', async () => {
    writeFileSync(join(root(), 'big.txt'), 'x'.repeat(MAX_READ_BYTES + 5000));
    const outcome = await readFileTool.run({ path: 'big.txt' }, context);
    expect(outcome.content.startsWith('x'.repeat(MAX_READ_BYTES))).toBe(true);
    expect(outcome.content).toContain('[truncated: showing the first 64 KB of 68.9 KB');
    expect(outcome.content).toContain('sed -n');
  });

  it('names a missing file, a directory and a binary file', async () => {
    await expect(readFileTool.run({ path: 'nope.txt' }, context)).rejects.toThrow('nope.txt: no such file or directory');
    mkdirSync(join(root(), 'dir'));
    await expect(readFileTool.run({ path: 'dir' }, context)).rejects.toThrow('dir is a directory');
    writeFileSync(join(root(), 'bin'), Buffer.from([1, 2, 0, 3]));
    expect(await readFileTool.run({ path: 'bin' }, context)).toMatchObject({ ok: false, content: 'bin is a binary file (4 B); not shown' });
  });

  it('refuses paths out of the worktree, by .. or by symlink', async () => {
    writeFileSync(join(base, 'outside', 'secret'), 'secret');
    symlinkSync(join(base, 'outside', 'secret'), join(root(), 'innocent'));
    await expect(readFileTool.run({ path: '../outside/secret' }, context)).rejects.toThrow('outside the worktree');
    await expect(readFileTool.run({ path: 'innocent' }, context)).rejects.toThrow('through a symlink');
  });
});

describe('write_file', () => {
  it('creates parent directories, then overwrites', async () => {
    expect(await writeFileTool.run({ path: 'a/b/c.txt', content: 'hi\n' }, context)).toMatchObject({ ok: true, summary: 'created a/b/c.txt (1 line, 3 B)' });
    expect(readFileSync(join(root(), 'a', 'b', 'c.txt'), 'utf8')).toBe('hi\n');
    expect((await writeFileTool.run({ path: 'a/b/c.txt', content: 'bye' }, context)).summary).toContain('overwrote');
    expect(readFileSync(join(root(), 'a', 'b', 'c.txt'), 'utf8')).toBe('bye');
  });

  it('refuses to write through a symlinked directory that leads out', async () => {
    symlinkSync(join(base, 'outside'), join(root(), 'out'));
    await expect(writeFileTool.run({ path: 'out/x.txt', content: 'x' }, context)).rejects.toThrow('through a symlink');
    await expect(writeFileTool.run({ path: '/tmp/x.txt', content: 'x' }, context)).rejects.toThrow('outside the worktree');
    expect(() => readFileSync(join(base, 'outside', 'x.txt'))).toThrow();
  });
});

describe('edit_file', () => {
  it('replaces the one exact match, taking new_string literally', async () => {
    writeFileSync(join(root(), 'a.ts'), 'const a = 1;\nconst b = 2;\n');
    const outcome = await editFileTool.run({ path: 'a.ts', old_string: 'const b = 2;', new_string: "const b = '$&';" }, context);
    expect(outcome).toMatchObject({ ok: true, summary: 'edited a.ts at line 2 (-1 +1 lines)' });
    expect(readFileSync(join(root(), 'a.ts'), 'utf8')).toBe("const a = 1;\nconst b = '$&';\n");
  });

  it('fails when old_string is missing or not unique, saying how many matches', async () => {
    writeFileSync(join(root(), 'a.ts'), 'x = 1;\nx = 1;\nx = 1;\n');
    await expect(editFileTool.run({ path: 'a.ts', old_string: 'y = 1;', new_string: 'y = 2;' }, context)).rejects.toThrow(
      'old_string was not found in a.ts',
    );
    await expect(editFileTool.run({ path: 'a.ts', old_string: 'x = 1;', new_string: 'x = 2;' }, context)).rejects.toThrow(
      'old_string matches 3 times in a.ts',
    );
    // Overlapping matches are ambiguous too.
    writeFileSync(join(root(), 'b.txt'), 'aaa');
    await expect(editFileTool.run({ path: 'b.txt', old_string: 'aa', new_string: 'b' }, context)).rejects.toThrow('matches 2 times');
    expect(readFileSync(join(root(), 'a.ts'), 'utf8')).toBe('x = 1;\nx = 1;\nx = 1;\n');
  });

  it('refuses a file outside the worktree', async () => {
    await expect(editFileTool.run({ path: '../outside/f', old_string: 'a', new_string: 'b' }, context)).rejects.toThrow('outside the worktree');
  });
});
