import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { beforeEach, describe, expect, it } from 'vitest';
import { WireErrorCode } from '../../common/wire/errors';
import { progressParser } from './git';
import { Repos } from './repos';
import { bare, branchCommit, commitOnOrigin, db, dir, failure, head, origin, repos, reposDir, useRepoFixture, wireErrorOf, worktreesDir } from './testing/repoFixture';

useRepoFixture();

describe('Repos: add, list, get, remove', () => {
  it('creates its table and its directories, private to the user', () => {
    expect(statSync(reposDir).mode & 0o777).toBe(0o700);
    expect(statSync(worktreesDir).mode & 0o777).toBe(0o700);
    expect(repos.list()).toEqual([]);
  });

  it('adds a repo from a local path as a bare clone with origin/* refs and no local branches', async () => {
    const before = Date.now();
    const info = await repos.add('sample', origin.dir, undefined);
    expect(info).toMatchObject({ name: 'sample', url: origin.dir, branch: 'main' });
    expect(info.createdAt).toBeGreaterThanOrEqual(before);
    expect(info.fetchedAt).toBe(info.createdAt);
    const git = bare('sample');
    expect((await git.raw(['rev-parse', '--is-bare-repository'])).trim()).toBe('true');
    expect((await git.raw(['rev-parse', 'refs/remotes/origin/main'])).trim()).toBe(head());
    expect((await git.raw(['config', '--get', 'remote.origin.fetch'])).trim()).toBe('+refs/heads/*:refs/remotes/origin/*');
    expect((await git.raw(['for-each-ref', 'refs/heads'])).trim()).toBe('');
    expect(repos.list()).toEqual([info]);
    expect(repos.get('sample')).toEqual(info);
    expect(readdirSync(reposDir)).toEqual(['sample.git']);
  });

  it('adds a repo from a file:// URL', async () => {
    const info = await repos.add('viaurl', `file://${origin.dir}`, undefined);
    expect(info.branch).toBe('main');
    expect((await bare('viaurl').raw(['rev-parse', 'refs/remotes/origin/main'])).trim()).toBe(head());
  });

  it("takes the remote's default branch when none is given, and the given one otherwise", async () => {
    const git = simpleGit(origin.dir);
    await git.checkout(['-b', 'trunk']);
    const trunk = await commitOnOrigin({ 'TRUNK.md': 'trunk\n' });
    expect((await repos.add('default', origin.dir, undefined)).branch).toBe('trunk');
    expect(await repos.resolveBase('default', undefined)).toBe(trunk);
    const chosen = await repos.add('chosen', origin.dir, 'main');
    expect(chosen.branch).toBe('main');
    expect(await repos.resolveBase('chosen', undefined)).toBe(head());
  });

  it('reports progress while fetching', async () => {
    const events: { stage: string; percent: number }[] = [];
    await repos.add('progress', origin.dir, undefined, (event) => events.push(event));
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.stage).not.toBe('');
      expect(event.percent).toBeGreaterThanOrEqual(0);
      expect(event.percent).toBeLessThanOrEqual(100);
    }
    // The server's stages are reported too, each up to its end.
    expect(events).toContainEqual({ stage: 'counting', percent: 100 });
    expect(events).toContainEqual({ stage: 'compressing', percent: 100 });
  });

  it('reads progress lines however the output is cut', () => {
    const events: { stage: string; percent: number }[] = [];
    const parse = progressParser((event) => events.push(event));
    const output = 'remote: Enumerating objects: 6, done.\nremote: Counting objects:  50% (3/6)\rremote: Counting objects: 100% (6/6), done.\nReceiving objects: 100% (6/6), done.\n';
    parse(output.slice(0, 7));
    parse(output.slice(7, 40));
    parse(output.slice(40, 61));
    expect(events).toEqual([]);
    parse(output.slice(61));
    expect(events).toEqual([
      { stage: 'counting', percent: 50 },
      { stage: 'counting', percent: 100 },
      { stage: 'receiving', percent: 100 },
    ]);
  });

  it('fails on a bad URL with GitFailed naming it, and leaves no directory and no row', async () => {
    const missing = join(dir, 'no-such-repo');
    for (const branch of [undefined, 'main']) {
      const error = await failure(repos.add('bad', missing, branch));
      expect(error.code).toBe(WireErrorCode.GitFailed);
      expect(error.message).toContain(missing);
      expect(error.message).toMatch(/does not appear to be a git repository/);
      expect(readdirSync(reposDir)).toEqual([]);
      expect(repos.list()).toEqual([]);
    }
  });

  it('fails on an unknown branch with RefNotFound naming it, and leaves nothing', async () => {
    const error = await failure(repos.add('sample', origin.dir, 'no-such-branch'));
    expect(error.code).toBe(WireErrorCode.RefNotFound);
    expect(error.message).toBe(`${origin.dir} has no branch no-such-branch`);
    // Neither is a revision, nor a prefix of branch names.
    await simpleGit(origin.dir).branch(['team/feature']);
    for (const notBranch of ['main~1', 'team', 'team/*']) {
      expect((await failure(repos.add('sample', origin.dir, notBranch))).code).toBe(WireErrorCode.RefNotFound);
    }
    expect(readdirSync(reposDir)).toEqual([]);
    expect(repos.list()).toEqual([]);
  });

  it('refuses a remote whose HEAD is not a branch unless a branch is given', async () => {
    await simpleGit(origin.dir).checkout(['--detach']);
    const error = await failure(repos.add('detached', origin.dir, undefined));
    expect(error.code).toBe(WireErrorCode.RefNotFound);
    expect(error.message).toMatch(/names no default branch.*--branch/);
    expect(readdirSync(reposDir)).toEqual([]);
    expect((await repos.add('detached', origin.dir, 'main')).branch).toBe('main');
  });

  it('refuses relative paths and bad names before touching anything', async () => {
    for (const url of ['../elsewhere', 'repo', '']) {
      expect((await failure(repos.add('x', url, undefined))).code).toBe(WireErrorCode.InvalidParams);
    }
    const badName = await failure(repos.add('../escape', origin.dir, undefined));
    expect(badName.code).toBe(WireErrorCode.InvalidParams);
    expect(badName.message).toMatch(/^repo name "..\/escape" is not allowed/);
    expect(readdirSync(reposDir)).toEqual([]);
  });

  it('refuses a name already taken, and keeps the first repo', async () => {
    const first = await repos.add('sample', origin.dir, undefined);
    const error = await failure(repos.add('sample', join(dir, 'other'), undefined));
    expect(error.code).toBe(WireErrorCode.RepoExists);
    expect(error.message).toContain('sample');
    expect(repos.list()).toEqual([first]);
    expect(await repos.resolveBase('sample', undefined)).toBe(head());
  });

  it('sweeps what a crash left: an unfinished clone, a clone without a row', async () => {
    mkdirSync(join(reposDir, '.adding-sample-abc123'));
    mkdirSync(join(reposDir, 'sample.git'));
    await writeFile(join(reposDir, 'sample.git', 'junk'), 'x');
    const restarted = new Repos(db, reposDir, worktreesDir);
    expect(readdirSync(reposDir)).toEqual(['sample.git']);
    await restarted.add('sample', origin.dir, undefined);
    expect(existsSync(join(reposDir, 'sample.git', 'junk'))).toBe(false);
  });

  it('get names an unknown repo', () => {
    const error = wireErrorOf(() => repos.get('nope'));
    expect(error.code).toBe(WireErrorCode.RepoNotFound);
    expect(error.message).toBe('no repo named nope on this host');
  });

  it('removes a repo only when no worktree uses it', async () => {
    await repos.add('sample', origin.dir, undefined);
    const refused = await failure(repos.remove('sample', 2));
    expect(refused.code).toBe(WireErrorCode.InvalidRequest);
    expect(refused.message).toBe('repo sample still has 2 agent worktrees; remove those agents first');
    expect(existsSync(join(reposDir, 'sample.git'))).toBe(true);
    await repos.remove('sample', 0);
    expect(existsSync(join(reposDir, 'sample.git'))).toBe(false);
    expect(repos.list()).toEqual([]);
    expect((await failure(repos.remove('sample', 0))).code).toBe(WireErrorCode.RepoNotFound);
  });
});

describe('Repos: resolveBase', () => {
  beforeEach(async () => {
    await repos.add('sample', origin.dir, undefined);
  });

  it('fetches first, so a commit pushed to the origin after add is the default base', async () => {
    const before = repos.get('sample').fetchedAt!;
    const pushed = await commitOnOrigin({ 'NEW.md': 'new\n' });
    expect(await repos.resolveBase('sample', undefined)).toBe(pushed);
    expect(repos.get('sample').fetchedAt!).toBeGreaterThanOrEqual(before);
    expect(await repos.resolveBase('sample', 'main')).toBe(pushed);
  });

  it('resolves a tag (fetched after add too), a full or short commit, and a branch of origin', async () => {
    const git = simpleGit(origin.dir);
    await git.raw(['tag', '-a', 'v1', '-m', 'release 1', origin.commits[0]!.hash]);
    await git.branch(['feature', origin.commits[1]!.hash]);
    expect(await repos.resolveBase('sample', 'v1')).toBe(origin.commits[0]!.hash);
    expect(await repos.resolveBase('sample', origin.commits[1]!.hash)).toBe(origin.commits[1]!.hash);
    expect(await repos.resolveBase('sample', origin.commits[0]!.hash.slice(0, 10))).toBe(origin.commits[0]!.hash);
    expect(await repos.resolveBase('sample', 'feature')).toBe(origin.commits[1]!.hash);
  });

  it('follows a tag moved on the origin', async () => {
    const git = simpleGit(origin.dir);
    await git.raw(['tag', 'moving', origin.commits[0]!.hash]);
    expect(await repos.resolveBase('sample', 'moving')).toBe(origin.commits[0]!.hash);
    await git.raw(['tag', '-f', 'moving', origin.commits[2]!.hash]);
    expect(await repos.resolveBase('sample', 'moving')).toBe(origin.commits[2]!.hash);
  });

  it('forgets branches deleted on the origin', async () => {
    const git = simpleGit(origin.dir);
    await git.branch(['feature', origin.commits[1]!.hash]);
    expect(await repos.resolveBase('sample', 'feature')).toBe(origin.commits[1]!.hash);
    await git.branch(['-D', 'feature']);
    expect((await failure(repos.resolveBase('sample', 'feature'))).code).toBe(WireErrorCode.RefNotFound);
  });

  it('prefers the branch of origin over a local branch of the same name', async () => {
    await repos.createWorktree('sample', 'a', origin.commits[0]!.hash);
    await simpleGit(origin.dir).branch(['flightdeck/a', origin.commits[2]!.hash]);
    expect(await repos.resolveBase('sample', 'flightdeck/a')).toBe(origin.commits[2]!.hash);
    // …and the fetch never moved the agent's own branch.
    expect(await branchCommit('sample', 'flightdeck/a')).toBe(origin.commits[0]!.hash);
  });

  it('resolves a local branch that origin does not have', async () => {
    await repos.createWorktree('sample', 'a', origin.commits[1]!.hash);
    expect(await repos.resolveBase('sample', 'flightdeck/a')).toBe(origin.commits[1]!.hash);
  });

  it('names an unknown ref and the repo', async () => {
    for (const ref of ['no-such-ref', '--upload-pack=touch x', 'a..b']) {
      const error = await failure(repos.resolveBase('sample', ref));
      expect(error.code).toBe(WireErrorCode.RefNotFound);
      expect(error.message).toBe(`repo sample has no branch, tag or commit ${ref}`);
      expect(error.data).toEqual({ repo: 'sample', ref });
    }
  });

  it('fails with GitFailed naming the URL when the origin is gone', async () => {
    await origin.cleanup();
    const error = await failure(repos.resolveBase('sample', undefined));
    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toContain(`could not fetch ${origin.dir}`);
  });

  it('names an unknown repo', async () => {
    expect((await failure(repos.resolveBase('nope', undefined))).code).toBe(WireErrorCode.RepoNotFound);
  });
});

describe("Repos: git runs with the VM's own settings and never asks", () => {
  it('fails instead of prompting for a password, and masks the one in the URL', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="private"' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const asked = await failure(repos.add('private', `http://127.0.0.1:${port}/team/app.git`, undefined));
      expect(asked.code).toBe(WireErrorCode.GitFailed);
      expect(asked.message).toBe(
        `could not reach http://127.0.0.1:${port}/team/app.git: fatal: could not read Username for 'http://127.0.0.1:${port}': ` +
          'terminal prompts disabled',
      );
      const refused = await failure(repos.add('private', `http://bob:hunter2@127.0.0.1:${port}/team/app.git`, undefined));
      expect(refused.message).toMatch(/^could not reach http:\/\/bob:\*\*\*@127\.0\.0\.1:\d+\/team\/app\.git: fatal: Authentication failed/);
      expect(JSON.stringify(refused)).not.toContain('hunter2');
      expect(readdirSync(reposDir)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it("uses the host's GIT_SSH_COMMAND, not the SSH agent a laptop forwarded", async () => {
    const seen = join(dir, 'ssh-env.txt');
    const fakeSsh = join(dir, 'fake-ssh');
    await writeFile(fakeSsh, `#!/bin/sh\nenv > '${seen}'\necho "fake-ssh: connection refused" >&2\nexit 255\n`);
    await chmod(fakeSsh, 0o755);
    const saved = { ...process.env };
    Object.assign(process.env, { GIT_SSH_COMMAND: fakeSsh, SSH_AUTH_SOCK: '/tmp/laptop-agent.sock', EDITOR: 'vi', PAGER: 'less' });
    try {
      const error = await failure(repos.add('viassh', 'ssh://git@example.invalid/team/app.git', undefined));
      expect(error.code).toBe(WireErrorCode.GitFailed);
      expect(error.message).toContain('fake-ssh: connection refused');
    } finally {
      process.env = saved;
    }
    const env = await readFile(seen, 'utf8');
    expect(env).toContain('GIT_TERMINAL_PROMPT=0');
    expect(env).not.toContain('SSH_AUTH_SOCK');
    expect(readdirSync(reposDir)).toEqual([]);
  });
});
