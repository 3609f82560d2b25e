// Proves the folder table of ARCHITECTURE.md bites: lint refuses imports that cross runtime boundaries.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

interface Probe {
  file: string;
  source: string;
  /** How many no-restricted-imports errors lint must report. */
  expectedErrors: number;
}

const probeName = (folder: string) => join(folder, `__lint_probe_${randomBytes(6).toString('hex')}.ts`);

const PROBES: Probe[] = [
  {
    file: probeName('renderer'),
    source: "import fs from 'node:fs';\nexport const probe = fs;\n",
    expectedErrors: 1,
  },
  {
    file: probeName('renderer'),
    source: "import { Client } from 'ssh2';\nexport const probe = Client;\n",
    expectedErrors: 1,
  },
  {
    file: probeName('common'),
    source: "import path from 'node:path';\nimport { x } from '../main/x';\nexport const probe = [path, x];\n",
    expectedErrors: 2,
  },
  {
    file: probeName('agent-host'),
    source: "import { x } from '../main/x';\nexport const probe = x;\n",
    expectedErrors: 1,
  },
  {
    file: probeName('main'),
    source: "import { x } from '../agent-host/x';\nexport const probe = x;\n",
    expectedErrors: 1,
  },
  {
    file: probeName('preload'),
    source: "import fs from 'node:fs';\nexport const probe = fs;\n",
    expectedErrors: 1,
  },
  {
    file: probeName('common'),
    source: "import { z } from 'zod';\nexport const probe = z.string();\n",
    expectedErrors: 0,
  },
];

describe('folder-table lint', () => {
  it('refuses imports across runtime folders and accepts zod in common/', async () => {
    try {
      await Promise.all(PROBES.map((probe) => writeFile(join(ROOT, probe.file), probe.source)));
      const results = await new ESLint({ cwd: ROOT }).lintFiles(PROBES.map((probe) => probe.file));

      for (const probe of PROBES) {
        const result = results.find((candidate) => candidate.filePath === join(ROOT, probe.file));
        expect(result, probe.file).toBeDefined();
        const restricted = result!.messages.filter((message) => message.ruleId === 'no-restricted-imports');
        expect(restricted.map((message) => message.severity), probe.source).toEqual(Array(probe.expectedErrors).fill(2));
        if (probe.expectedErrors === 0) expect(result!.messages, probe.source).toEqual([]);
      }
    } finally {
      await Promise.all(PROBES.map((probe) => rm(join(ROOT, probe.file), { force: true })));
    }
  });
});
