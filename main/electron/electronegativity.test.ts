import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const FOLDERS = ['main', 'preload', 'renderer'];

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { name: string };
  confidence: { name: string };
  manualReview: boolean;
}
type Run = (options: Record<string, unknown>) => Promise<{ issues: Issue[]; errors: Array<{ file: string; message: string; tolerable: boolean }> }>;

describe('electronegativity', () => {
  // One tree holding main/, preload/ and renderer/, so global checks (CSP, navigation limits, permission
  // handler) see the app whole, as they would in the packaged asar. Tests are left out: they are not shipped.
  const scanDir = mkdtempSync(join(tmpdir(), 'fd-electronegativity-'));
  afterAll(() => rmSync(scanDir, { recursive: true, force: true }));

  it('finds nothing of high or medium severity in main/, preload/ and renderer/', async () => {
    for (const folder of FOLDERS) {
      cpSync(join(ROOT, folder), join(scanDir, folder), { recursive: true, filter: (path) => !/\.test\.tsx?$/.test(path) });
    }
    const electronVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version as string;
    const run = createRequire(import.meta.url)('@doyensec/electronegativity') as Run;
    // The scanned tree has no package.json naming Electron, so its version is given explicitly (the installed one).
    const result = await run({ input: scanDir, electronVersionOverride: electronVersion, isRelative: true });
    expect(result.errors.filter((error) => !error.tolerable)).toEqual([]);
    const serious = result.issues
      .filter((issue) => issue.severity.name === 'HIGH' || issue.severity.name === 'MEDIUM')
      .map((issue) => `${issue.id} ${issue.file}:${issue.location.line} (${issue.severity.name}, ${issue.confidence.name})`);
    expect(serious).toEqual([]);
  });
});
