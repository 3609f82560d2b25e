// Runs a real vitest on throw-away spec files and reads the reporter's last line.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { summaryLine } from './summary-reporter';

const execFileAsync = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function runVitest(files: Record<string, string>, globalSetup?: string): Promise<{ code: number; lastLine: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'flightdeck-reporter-'));
  dirs.push(dir);
  const reporter = join(ROOT, 'test', 'harness', 'summary-reporter.ts');
  await writeFile(
    join(dir, 'vitest.config.mjs'),
    `export default { test: { include: ['*.spec.js'], globals: true, reporters: [${JSON.stringify(reporter)}]${
      globalSetup ? `, globalSetup: [${JSON.stringify(globalSetup)}]` : ''
    } } };\n`,
  );
  for (const [name, source] of Object.entries(files)) await writeFile(join(dir, name), source);
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const result = await execFileAsync('node', [vitest, 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], {
    cwd: dir,
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
  return { code: result.code, lastLine: result.stdout.trimEnd().split('\n').at(-1) ?? '' };
}

describe('summary reporter', () => {
  it('formats skipped and errors only when there are some', () => {
    expect(summaryLine({ passed: 3, failed: 0, skipped: 0, errors: 0 })).toBe('tests: 3 passed, 0 failed');
    expect(summaryLine({ passed: 1, failed: 2, skipped: 4, errors: 1 })).toBe('tests: 1 passed, 2 failed, 4 skipped, 1 error');
  });

  it('ends a real run with the counts of its test cases', async () => {
    const run = await runVitest({
      'a.spec.js': "it('one', () => {});\nit('two', () => {});\nit('three', () => { throw new Error('no'); });\nit.todo('later');\n",
    });
    expect(run.code).toBe(1);
    expect(run.lastLine).toBe('tests: 2 passed, 1 failed, 1 skipped');
  });

  it('counts a file that cannot load as an error rather than claiming nothing failed', async () => {
    const run = await runVitest({
      'ok.spec.js': "it('fine', () => {});\n",
      'broken.spec.js': "throw new Error('cannot load');\n",
    });
    expect(run.code).toBe(1);
    expect(run.lastLine).toBe('tests: 1 passed, 0 failed, 1 error');
  });

  it('reports a failing globalSetup as an error', async () => {
    const run = await runVitest(
      { 'ok.spec.js': "it('fine', () => {});\n", 'setup.mjs': "export default () => { throw new Error('setup broke'); };\n" },
      './setup.mjs',
    );
    expect(run.code).toBe(1);
    expect(run.lastLine).toBe('tests: 0 passed, 0 failed, 1 error');
  });
});
