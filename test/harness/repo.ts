// A real git repository with a little history, for tests of worktrees, sync into .flightdeck/, diffs.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';

export interface RepoCommit {
  hash: string;
  message: string;
}

export interface TestRepo {
  dir: string;
  /** Oldest first. */
  commits: RepoCommit[];
  cleanup(): Promise<void>;
}

export interface RepoFileChange {
  message: string;
  files: Record<string, string>;
}

const DEFAULT_HISTORY: RepoFileChange[] = [
  { message: 'Initial commit', files: { 'README.md': '# Sample project\n', 'src/index.ts': 'export const answer = 41;\n' } },
  { message: 'Fix the answer', files: { 'src/index.ts': 'export const answer = 42;\n' } },
  { message: 'Add a test', files: { 'src/index.test.ts': "import { answer } from './index';\nconsole.log(answer);\n" } },
];

export async function makeRepo(history: RepoFileChange[] = DEFAULT_HISTORY): Promise<TestRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'flightdeck-repo-'));
  try {
    const git = simpleGit(dir);
    await git.init(['--initial-branch=main']);
    // Local identity and no signing, so the result never depends on the machine's global git config.
    await git.addConfig('user.name', 'Flightdeck Test');
    await git.addConfig('user.email', 'test@flightdeck.invalid');
    await git.addConfig('commit.gpgsign', 'false');
    const commits: RepoCommit[] = [];
    for (const change of history) {
      for (const [path, content] of Object.entries(change.files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      await git.add(Object.keys(change.files));
      const result = await git.commit(change.message);
      if (!result.commit) throw new Error(`git commit "${change.message}" recorded nothing`);
      commits.push({ hash: await git.revparse(['HEAD']), message: change.message });
    }
    return { dir, commits, cleanup: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
