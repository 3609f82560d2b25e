import { chmodSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { makeRepo, type TestRepo } from '../../test/harness/repo';
import { openDatabase, type Db } from '../journal/database';
import { commitFiles } from '../repos/commitFiles';
import { git, gitEnvironment } from '../repos/git';
import { createBranch } from '../repos/integration';
import { Repos } from '../repos/repos';
import { pushBranch } from './push';

const BRANCH = 'flightdeck-run/r1';
const AUTHOR = { name: 'Flightdeck', email: 'flightdeck@host.invalid' };

let template: TestRepo;
let dir: string;
let db: Db;
/** The forge's side: a real bare repository, origin of the host's clone. */
let remote: string;
/** The host's bare clone, as Repos makes it. */
let clone: string;

beforeAll(async () => {
  template = await makeRepo();
});

afterAll(async () => {
  await template.cleanup();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fd-push-'));
  remote = join(dir, 'remote.git');
  await simpleGit().raw(['clone', '--bare', '--quiet', template.dir, remote]);
  db = openDatabase(join(dir, 'host.db'));
  await new Repos(db, join(dir, 'repos'), join(dir, 'worktrees')).add('demo', remote, 'main');
  clone = join(dir, 'repos', 'demo.git');
  await createBranch(clone, BRANCH, 'refs/remotes/origin/main');
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const commitOnHost = (files: Record<string, string>) =>
  commitFiles(clone, { branch: BRANCH, files: new Map(Object.entries(files)), message: 'step work', author: AUTHOR });
const remoteHead = async () => (await simpleGit(remote).raw(['rev-parse', `refs/heads/${BRANCH}`])).trim();

async function wireError(promise: Promise<unknown>): Promise<WireError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof WireError)) throw new Error(`expected a WireError, got ${String(error)}`);
  return error;
}

/** A commit made on the remote's branch by someone else (plumbing in the bare repo: no checkout). */
async function commitOnRemote(): Promise<string> {
  const someone = { name: 'Someone', email: 'someone@x.invalid' };
  const repo = git(remote).env({
    ...gitEnvironment(),
    GIT_AUTHOR_NAME: someone.name,
    GIT_AUTHOR_EMAIL: someone.email,
    GIT_COMMITTER_NAME: someone.name,
    GIT_COMMITTER_EMAIL: someone.email,
  });
  const head = await remoteHead();
  const commit = (await repo.raw(['commit-tree', '--no-gpg-sign', `${head}^{tree}`, '-p', head, '-m', 'pushed by someone else'])).trim();
  await repo.raw(['update-ref', `refs/heads/${BRANCH}`, commit, head]);
  return commit;
}

describe('pushBranch to a real bare remote', () => {
  it('creates the branch on origin, fast-forwards it, and knows when there is nothing to push', async () => {
    const first = await commitOnHost({ 'NOTES.md': 'one\n' });

    expect(await pushBranch(clone, BRANCH)).toEqual({ branch: BRANCH, commit: first, remote, status: 'created' });
    expect(await remoteHead()).toBe(first);

    const second = await commitOnHost({ 'NOTES.md': 'two\n' });
    expect(await pushBranch(clone, BRANCH)).toMatchObject({ commit: second, status: 'updated' });
    expect(await remoteHead()).toBe(second);

    expect(await pushBranch(clone, BRANCH)).toMatchObject({ commit: second, status: 'up-to-date' });
  });

  it('refuses to overwrite a remote branch someone else pushed to, and says so', async () => {
    await commitOnHost({ 'NOTES.md': 'one\n' });
    await pushBranch(clone, BRANCH);
    const theirs = await commitOnRemote();
    await commitOnHost({ 'NOTES.md': 'two\n' });

    const error = await wireError(pushBranch(clone, BRANCH));

    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toBe(
      `${remote} refused ${BRANCH}: its ${BRANCH} has commits the host's does not (someone else pushed to it); nothing was overwritten`,
    );
    expect(error.data).toMatchObject({ branch: BRANCH, remote, reason: 'diverged' });
    expect(await remoteHead()).toBe(theirs);
  });

  it("reports what the remote's hook said when it declines the push", async () => {
    const hook = join(remote, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "GH006: Protected branch update failed for refs/heads/flightdeck-run/r1." >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    await commitOnHost({ 'NOTES.md': 'one\n' });

    const error = await wireError(pushBranch(clone, BRANCH));

    expect(error.message).toBe(
      `${remote} refused ${BRANCH}: pre-receive hook declined — GH006: Protected branch update failed for refs/heads/flightdeck-run/r1.`,
    );
    expect(error.data).toMatchObject({ reason: 'rejected' });
  });

  it('refuses a branch the clone does not have, and names it', async () => {
    const error = await wireError(pushBranch(clone, 'flightdeck-run/none'));
    expect(error.code).toBe(WireErrorCode.RefNotFound);
    expect(error.message).toBe(`${clone} has no branch flightdeck-run/none to push`);
  });
});
