import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { RunbookError } from './parseRunbook';
import { runbookFilesOf, RunbookLibrary, type RunbookFile } from './runbookLibrary';

const SHIPPED_DIR = join(import.meta.dirname, '..', '..', 'runbooks');

function runbook(name: string, description = `The ${name} runbook.`): string {
  return `---
name: ${name}
version: "1"
description: ${description}
roles:
  planner: { instructions: Plan. }
  implementer: { instructions: Do. }
---
Guidance.
`;
}

const BROKEN = `---
name: broken
version: "1"
description: d
roles:
  implementer: { instructions: Do. }
---
Guidance.
`;

let builtInDir: string;
let repoFiles: Record<string, RunbookFile[]>;
let library: RunbookLibrary;

beforeEach(async () => {
  builtInDir = await mkdtemp(join(tmpdir(), 'fd-runbooks-'));
  repoFiles = {};
  library = new RunbookLibrary({
    builtInDir,
    repoFiles: async (repo) => {
      const files = repoFiles[repo];
      if (!files) throw new WireError(WireErrorCode.RepoNotFound, `no repo named ${repo} on this host`);
      return { commit: 'c0ffee', files };
    },
  });
});

afterEach(async () => {
  await rm(builtInDir, { recursive: true, force: true });
});

async function builtIn(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) await writeFile(join(builtInDir, name), text);
}

async function failure(promise: Promise<unknown>): Promise<WireError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof WireError)) throw new Error(`expected a WireError, got ${String(error)}`);
  return error;
}

describe('RunbookLibrary', () => {
  it('lists the shipped runbooks without problems', async () => {
    const shipped = new RunbookLibrary({ builtInDir: SHIPPED_DIR, repoFiles: () => Promise.reject(new Error('no repo')) });
    const { runbooks, problems } = await shipped.list();
    expect(problems).toEqual([]);
    expect(runbooks.map((info) => [info.name, info.source, info.file])).toEqual([
      ['add-feature', 'built-in', 'runbooks/add-feature.md'],
      ['fix-failing-tests', 'built-in', 'runbooks/fix-failing-tests.md'],
      ['migrate-api', 'built-in', 'runbooks/migrate-api.md'],
      ['security-patch', 'built-in', 'runbooks/security-patch.md'],
    ]);
    expect((await shipped.get('security-patch')).info.checkpoints.before_merge).toBe(true);
  });

  it('lists the built-ins (only *.md), sorted by name, and gets one', async () => {
    await builtIn({ 'b.md': runbook('beta'), 'a.md': runbook('alpha'), 'notes.txt': 'not a runbook' });
    const { runbooks, problems } = await library.list();
    expect(problems).toEqual([]);
    expect(runbooks.map((info) => [info.name, info.file, info.overrides])).toEqual([
      ['alpha', 'runbooks/a.md', false],
      ['beta', 'runbooks/b.md', false],
    ]);
    expect((await library.get('beta')).text).toBe(runbook('beta'));
  });

  it("lets a repo's runbook override a built-in of the same name, and add its own", async () => {
    await builtIn({ 'fix.md': runbook('fix', 'Built in.'), 'other.md': runbook('other') });
    repoFiles.app = [
      { path: '.flightdeck/runbooks/fix.md', text: runbook('fix', 'Our own.') },
      { path: '.flightdeck/runbooks/deploy.md', text: runbook('deploy') },
    ];
    const { runbooks } = await library.list('app');
    expect(runbooks.map((info) => [info.name, info.source, info.file, info.overrides])).toEqual([
      ['deploy', 'repo', '.flightdeck/runbooks/deploy.md', false],
      ['fix', 'repo', '.flightdeck/runbooks/fix.md', true],
      ['other', 'built-in', 'runbooks/other.md', false],
    ]);
    expect((await library.get('fix', 'app')).info.description).toBe('Our own.');
    expect((await library.get('fix')).info.description).toBe('Built in.');
  });

  it('lists the rest when one file is bad, reports it with file, line and key, and throws it on get', async () => {
    await builtIn({ 'good.md': runbook('good'), 'broken.md': BROKEN });
    const { runbooks, problems } = await library.list();
    expect(runbooks.map((info) => info.name)).toEqual(['good']);
    expect(problems).toEqual([{ file: 'runbooks/broken.md', line: 5, key: 'roles', message: expect.stringContaining('must have a planner role') }]);
    const error = await failure(library.get('broken'));
    expect(error).toBeInstanceOf(RunbookError);
    expect(error.code).toBe(WireErrorCode.RunbookInvalid);
    expect(error.data).toEqual({ problems });
  });

  it("keeps a built-in's name taken by a repo's broken override: get throws the repo's error", async () => {
    await builtIn({ 'broken.md': runbook('broken') });
    repoFiles.app = [{ path: '.flightdeck/runbooks/broken.md', text: BROKEN }];
    const { runbooks, problems } = await library.list('app');
    expect(runbooks).toEqual([]);
    expect(problems.map((problem) => problem.file)).toEqual(['.flightdeck/runbooks/broken.md']);
    expect((await failure(library.get('broken', 'app'))).message).toContain('.flightdeck/runbooks/broken.md:5: roles:');
  });

  it('uses the file name for a broken file whose name cannot be read', async () => {
    await builtIn({ 'nameless.md': '# no front matter\n' });
    expect((await library.list()).problems).toEqual([{ file: 'runbooks/nameless.md', line: 1, key: '', message: expect.any(String) }]);
    expect((await failure(library.get('nameless'))).code).toBe(WireErrorCode.RunbookInvalid);
  });

  it('reports two files of one source declaring the same name, and uses neither', async () => {
    repoFiles.app = [
      { path: '.flightdeck/runbooks/b.md', text: runbook('same') },
      { path: '.flightdeck/runbooks/a.md', text: runbook('same') },
    ];
    const { runbooks, problems } = await library.list('app');
    expect(runbooks).toEqual([]);
    expect(problems).toEqual([
      {
        file: '.flightdeck/runbooks/b.md',
        line: 2,
        key: 'name',
        message: 'is same, as in .flightdeck/runbooks/a.md: runbook names must be unique, and neither is used until one is renamed',
      },
    ]);
    expect((await failure(library.get('same', 'app'))).message).toBe(`.flightdeck/runbooks/b.md:2: name: ${problems[0]!.message}`);
  });

  it('names the available runbooks when asked for an unknown one', async () => {
    await builtIn({ 'a.md': runbook('alpha') });
    repoFiles.app = [{ path: '.flightdeck/runbooks/x.md', text: runbook('ours') }];
    const error = await failure(library.get('nope', 'app'));
    expect(error.code).toBe(WireErrorCode.RunbookNotFound);
    expect(error.message).toBe("no runbook named nope among the built-in runbooks or repo app's .flightdeck/runbooks/; available: alpha, ours");
    expect(error.data).toEqual({ runbook: 'nope', repo: 'app', available: ['alpha', 'ours'] });
    expect((await failure(library.get('ours'))).message).toBe('no runbook named ours among the built-in runbooks; available: alpha');
  });

  it("passes on the repo's own errors and a missing built-in folder as errors", async () => {
    expect((await failure(library.list('nope'))).code).toBe(WireErrorCode.RepoNotFound);
    await rm(builtInDir, { recursive: true });
    const error = await failure(library.list());
    expect(error.message).toMatch(new RegExp(`^cannot read the built-in runbooks in ${builtInDir}: `));
  });
});

describe('runbookFilesOf', () => {
  it("lists the *.md files of .flightdeck/runbooks at the repo's freshly fetched default branch", async () => {
    const calls: unknown[][] = [];
    const repos = {
      resolveBase: async (repo: string, ref: string | undefined) => {
        calls.push(['resolveBase', repo, ref]);
        return 'abc123';
      },
      listFiles: async (repo: string, commit: string, dir: string) => {
        calls.push(['listFiles', repo, commit, dir]);
        return [
          { path: `${dir}/a.md`, text: 'A' },
          { path: `${dir}/README.txt`, text: 'R' },
        ];
      },
    };
    expect(await runbookFilesOf(repos, 'app')).toEqual({ commit: 'abc123', files: [{ path: '.flightdeck/runbooks/a.md', text: 'A' }] });
    expect(calls).toEqual([
      ['resolveBase', 'app', undefined],
      ['listFiles', 'app', 'abc123', '.flightdeck/runbooks'],
    ]);
  });
});
