import { afterEach, describe, expect, it } from 'vitest';
import { openRunPullRequest, type PullRequestOpenDeps } from './pullRequestOpen';
import { forgeWorld, RUN, runbookText, type ForgeWorld } from './testing/forgeWorld';

let world: ForgeWorld;

afterEach(async () => {
  await world.cleanup();
});

const deps = (): PullRequestOpenDeps => ({ stateDir: world.stateDir, store: world.store, pulls: world.pulls, repos: world.repos, audit: world.audit, record: world.record });
const hostHead = async () => (await world.gitIn(world.clone, ['rev-parse', `refs/heads/${world.branch}`])).trim();
const remoteHead = async () => (await world.gitIn(world.remote, ['rev-parse', `refs/heads/${world.branch}`])).trim();

describe('openRunPullRequest', () => {
  it('pushes the integration branch and opens a pull request with the plan title and the run summary', async () => {
    world = await forgeWorld();
    await world.addRun(runbookText('{ open: true, draft: true }'));

    const result = await openRunPullRequest(deps(), RUN);

    const head = await hostHead();
    expect(await remoteHead()).toBe(head);
    expect(result).toEqual({ url: expect.stringMatching(/\/acme\/app\/pull\/1$/), number: 1, branch: world.branch, pushedCommit: head, state: 'open', note: null });
    expect(world.pulls.info(RUN)).toEqual(result);
    const [pull] = world.github.pulls();
    expect(pull).toMatchObject({ head: world.branch, base: 'main', title: 'Greet the world', draft: true });
    expect(pull!.body).toContain('# Greet the world');
    expect(pull!.body).toContain(`- Run: ${RUN} · done`);
    expect(pull!.body).toContain(`\`.flightdeck/runs/${RUN}/\` on this branch`);
    expect(world.auditRows().map((row) => [row.action, row.outcome])).toEqual([
      ['run.push', 'ok'],
      ['pr.open', 'ok'],
    ]);
    expect(world.auditRows()[1]!.data).toMatchObject({ url: result!.url, number: 1, base: 'main', found: false });
  });

  it('finds the pull request an earlier attempt opened instead of opening another', async () => {
    world = await forgeWorld();
    await world.addRun(runbookText('{ open: true, base: main }'));
    await openRunPullRequest(deps(), RUN);

    const again = await openRunPullRequest(deps(), RUN);

    expect(again).toMatchObject({ number: 1, state: 'open' });
    expect(world.github.pulls()).toHaveLength(1);
    expect(world.auditRows().at(-1)!.data).toMatchObject({ number: 1, found: true });
  });

  it('pushes to a plain remote and says why there is no pull request', async () => {
    world = await forgeWorld({ forges: false });
    await world.addRun(runbookText('{ open: true }'));

    const result = await openRunPullRequest(deps(), RUN);

    expect(result).toMatchObject({ url: null, number: null, state: 'pushed', pushedCommit: await hostHead() });
    expect(result!.note).toBe(`pushed ${world.branch} to origin; no pull request: there is no ${world.stateDir}/forges.yaml: 127.0.0.1 is used as a plain git remote (no pull request)`);
    expect(await remoteHead()).toBe(await hostHead());
    expect(world.github.requests).toEqual([]);
    expect(world.auditRows().map((row) => row.action)).toEqual(['run.push']);
  });

  it('does nothing when the runbook does not ask for it', async () => {
    world = await forgeWorld();
    await world.addRun(runbookText(null));

    expect(await openRunPullRequest(deps(), RUN)).toBeNull();
    await expect(remoteHead()).rejects.toThrow();
    expect(world.pulls.info(RUN)).toBeNull();
    expect(world.auditRows()).toEqual([]);
  });

  it('records a pull request the forge refuses as failed, in its words and never with the token', async () => {
    world = await forgeWorld({ githubRepo: false });
    await world.addRun(runbookText('{ open: true }'));

    const result = await openRunPullRequest(deps(), RUN);

    expect(result).toMatchObject({ state: 'failed', url: null, number: null, pushedCommit: await hostHead() });
    expect(result!.note).toBe(
      `pushed ${world.branch} to origin; the pull request could not be opened: could not look for an open pull request of ${world.branch} on 127.0.0.1 acme/app: no repo acme/app on ${world.github.url} or the token cannot see it (HTTP 404)`,
    );
    expect(world.auditRows().at(-1)).toMatchObject({ action: 'pr.open', outcome: 'error', reason: expect.stringContaining('HTTP 404') });
    expect(JSON.stringify(world.auditRows())).not.toContain(world.github.token);
  });

  it('records a push origin refuses as failed, and opens nothing', async () => {
    world = await forgeWorld();
    await world.addRun(runbookText('{ open: true }'));
    // Someone else pushed to the run's branch first: the host never overwrites it.
    const other = `${world.dir}/other`;
    await world.gitIn(world.dir, ['clone', '--quiet', `${world.git.url}/acme/app.git`, other]);
    await world.gitIn(other, ['-c', 'user.name=O', '-c', 'user.email=o@o.invalid', 'commit', '--quiet', '--allow-empty', '-m', 'theirs']);
    await world.gitIn(other, ['push', '--quiet', 'origin', `HEAD:refs/heads/${world.branch}`]);

    const result = await openRunPullRequest(deps(), RUN);

    expect(result).toMatchObject({ state: 'failed', pushedCommit: null, url: null });
    expect(result!.note).toContain('someone else pushed to it');
    expect(world.github.pulls()).toEqual([]);
    expect(world.auditRows()).toEqual([expect.objectContaining({ action: 'run.push', outcome: 'error' })]);
  });
});
