import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listFilesTool, MAX_LISTED } from './listFiles';
import { findRipgrep, MAX_MATCH_LINES, searchTool } from './search';
import type { ToolContext } from './toolSpec';
import { globMatcher } from './walk';

let base: string;
let context: ToolContext;

const write = (path: string, content: string) => {
  const absolute = join(context.root, path);
  mkdirSync(join(absolute, '..'), { recursive: true });
  writeFileSync(absolute, content);
};

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'fd-list-')));
  mkdirSync(join(base, 'worktree'));
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.ts'), 'const needle = 1;\n');
  context = { root: join(base, 'worktree'), signal: new AbortController().signal };
  write('README.md', '# needle in a haystack\n');
  write('src/a.ts', 'export const a = 1;\nconst needle = 2;\n');
  write('src/deep/b.test.ts', 'test("needle", () => {});\n');
  write('.git/config', 'needle = in git\n');
  symlinkSync(join(base, 'outside'), join(context.root, 'linked'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('list_files', () => {
  it('lists recursively, skipping .git and not entering symlinks', async () => {
    const outcome = await listFilesTool.run({}, context);
    expect(outcome.content.split('\n')).toEqual(['README.md', 'linked', 'src/', 'src/a.ts', 'src/deep/', 'src/deep/b.test.ts']);
    expect(outcome.summary).toBe('6 entries under .');
  });

  it('filters by a glob, by name or by path under the listed directory', async () => {
    expect((await listFilesTool.run({ pattern: '*.ts' }, context)).content).toBe('src/a.ts\nsrc/deep/b.test.ts');
    expect((await listFilesTool.run({ path: 'src', pattern: 'deep/**/*.test.ts' }, context)).content).toBe('src/deep/b.test.ts');
    expect((await listFilesTool.run({ pattern: '*.{md,txt}' }, context)).content).toBe('README.md');
    expect((await listFilesTool.run({ pattern: '*.rs' }, context)).content).toBe('no files matching *.rs under .');
  });

  it('caps a long listing and says so', async () => {
    for (let i = 0; i < MAX_LISTED + 10; i++) write(`many/f${String(i).padStart(4, '0')}.txt`, '');
    const outcome = await listFilesTool.run({ path: 'many' }, context);
    const lines = outcome.content.split('\n');
    expect(lines).toHaveLength(MAX_LISTED + 1);
    expect(lines.at(-1)).toContain(`[capped at ${MAX_LISTED} entries`);
    expect(outcome.summary).toBe(`${MAX_LISTED}+ entries under many`);
  });

  it('refuses a directory outside the worktree', async () => {
    await expect(listFilesTool.run({ path: '..' }, context)).rejects.toThrow('outside the worktree');
    await expect(listFilesTool.run({ path: 'linked' }, context)).rejects.toThrow('through a symlink');
  });
});

describe('globMatcher', () => {
  it('keeps * and ? within a segment, lets ** cross them', () => {
    expect(globMatcher('src/*.ts')('src/a.ts')).toBe(true);
    expect(globMatcher('src/*.ts')('src/deep/a.ts')).toBe(false);
    expect(globMatcher('src/**/*.ts')('src/a.ts')).toBe(true);
    expect(globMatcher('src/**/*.ts')('src/x/y/a.ts')).toBe(true);
    expect(globMatcher('?.ts')('ab.ts')).toBe(false);
    expect(globMatcher('[!a]*.ts')('b.ts')).toBe(true);
    expect(globMatcher('[!a]*.ts')('a.ts')).toBe(false);
    expect(globMatcher('a.ts')('xa.ts')).toBe(false);
  });
});

const ripgrep = findRipgrep(process.env.PATH);
const engines = [
  ['JS fallback', null],
  ...(ripgrep ? [['ripgrep', ripgrep] as const] : []),
] as const;

describe.each(engines)('search with %s', (_name, engine) => {
  const search = searchTool(engine);

  it('prints path:line:text for matches, skipping .git and symlinks out', async () => {
    const outcome = await search.run({ pattern: 'needle' }, context);
    expect(outcome.content.split('\n').sort()).toEqual(['README.md:1:# needle in a haystack', 'src/a.ts:2:const needle = 2;', 'src/deep/b.test.ts:1:test("needle", () => {});']);
    expect(outcome.summary).toBe('3 matching lines');
  });

  it('searches under a path, and says when nothing matches', async () => {
    expect((await search.run({ pattern: 'needle', path: 'src/deep' }, context)).content).toBe('src/deep/b.test.ts:1:test("needle", () => {});');
    expect((await search.run({ pattern: 'nothing-like-it' }, context)).content).toBe('no matches for nothing-like-it under .');
  });

  it('caps the output and says so', async () => {
    write('big.txt', 'hit\n'.repeat(MAX_MATCH_LINES + 50));
    const outcome = await search.run({ pattern: '^hit$', path: 'big.txt' }, context);
    const lines = outcome.content.split('\n');
    expect(lines).toHaveLength(MAX_MATCH_LINES + 1);
    expect(lines.at(-1)).toContain(`capped at ${MAX_MATCH_LINES} matching lines`);
  });

  it('reports a bad pattern and refuses paths out of the worktree', async () => {
    await expect(search.run({ pattern: '(unclosed' }, context)).rejects.toThrow('search failed');
    await expect(search.run({ pattern: 'needle', path: '../outside' }, context)).rejects.toThrow('outside the worktree');
    await expect(search.run({ pattern: 'needle', path: 'linked' }, context)).rejects.toThrow('through a symlink');
  });
});
