import { existsSync } from 'node:fs';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { makeRepo } from './repo';

describe('makeRepo', () => {
  it('creates a real repository whose log has the commits, and cleans it up', async () => {
    const repo = await makeRepo();
    try {
      const log = await simpleGit(repo.dir).log();
      expect(repo.commits).toHaveLength(3);
      expect(log.all.map((entry) => entry.hash)).toEqual(repo.commits.map((commit) => commit.hash).reverse());
      expect(log.latest?.message).toBe('Add a test');
      expect(log.latest?.author_email).toBe('test@flightdeck.invalid');
      expect((await simpleGit(repo.dir).status()).isClean()).toBe(true);
      expect(await simpleGit(repo.dir).revparse(['--abbrev-ref', 'HEAD'])).toBe('main');
    } finally {
      await repo.cleanup();
    }
    expect(existsSync(repo.dir)).toBe(false);
  });

  it('builds the history it is given', async () => {
    const repo = await makeRepo([{ message: 'only one', files: { 'a/b.txt': 'x\n' } }]);
    try {
      expect(repo.commits.map((commit) => commit.message)).toEqual(['only one']);
      expect(await simpleGit(repo.dir).show(['HEAD:a/b.txt'])).toBe('x\n');
    } finally {
      await repo.cleanup();
    }
  });
});
