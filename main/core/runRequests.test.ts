import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../common/protocol/runRecord';
import type { RunInfo } from '../../common/protocol/runs';
import { useAwayHostCore } from './testing/awayHostCore';

const RUN: RunInfo = {
  id: 'r-1a2b3c',
  runbook: { name: 'add-feature', version: '1.0.0', hash: 'f'.repeat(64), source: 'built-in', file: 'runbooks/add-feature.md' },
  repo: 'app',
  params: { feature: 'greet' },
  state: 'running',
  reason: null,
  baseCommit: 'a'.repeat(40),
  integrationBranch: 'flightdeck-run/r-1a2b3c',
  planner: 'r-1a2b3c-planner',
  planVersion: 1,
  approvedVersion: 1,
  steps: [],
  pullRequest: null,
  startedBy: 'person:alice',
  createdAt: 1_000,
  updatedAt: 2_000,
};

const RECORD: RunRecord = { run: RUN, repoUrl: 'git@forge:team/app.git', runbookText: '---\n---\n', plans: [], prompts: [], steps: [], items: [], agents: [], learnings: [] };

describe('runs and inbox across the fleet (AppApi)', () => {
  const { core } = useAwayHostCore();

  const client = () => core().openClient({ notify: () => undefined, output: () => undefined });

  it("lists a host that is away by its cached runs, marked stale with when they were mirrored, and names it in errors", async () => {
    core().cache.beginMirror('vm', 'host-1');
    core().cache.putRun('vm', RECORD);
    core().cache.markMirrored('vm', 5_000);
    const { runs, errors } = await client().request('runs.list', {});
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ host: 'vm', run: { id: RUN.id, state: 'running' }, stale: { mirroredAt: expect.any(Number), error: expect.stringContaining('unreachable') } });
    expect(errors).toEqual([{ host: 'vm', error: expect.any(String), mirroredAt: 5_000 }]);

    const shown = await client().request('runs.show', { host: 'vm', run: RUN.id });
    expect(shown).toMatchObject({ host: 'vm', run: { id: RUN.id }, plans: [], stale: { error: expect.any(String) } });
    const recorded = await client().request('runs.record', { host: 'vm', run: RUN.id });
    expect(recorded).toMatchObject({ host: 'vm', record: { repoUrl: RECORD.repoUrl, run: { id: RUN.id } }, stale: { mirroredAt: expect.any(Number) } });
  });

  it('says why when nothing of the host is cached, and never dials it for a list', async () => {
    const attempts = core().host('vm').view().attempt;
    await expect(client().request('runs.list', {})).resolves.toEqual({ runs: [], errors: [{ host: 'vm', error: expect.any(String), mirroredAt: null }] });
    await expect(client().request('inbox.list', {})).resolves.toEqual({ items: [], errors: [{ host: 'vm', error: expect.any(String), mirroredAt: null }] });
    expect(core().host('vm').view().attempt).toBe(attempts);
    await expect(client().request('runs.show', { host: 'vm', run: 'r-0d0d0d' })).rejects.toThrow();
  });

  it('validates every argument before a host sees it', async () => {
    await expect(client().request('inbox.decide', { host: 'vm', item: 'not an id', decision: 'approve' })).rejects.toThrow(/invalid params for inbox.decide/);
    await expect(client().request('runs.show', { host: 'vm', run: 'r-1' })).rejects.toThrow(/a run id looks like/);
    await expect(client().request('runs.start', { host: 'vm', runbook: 'add-feature', repo: 'app', params: { feature: 42 } })).rejects.toThrow(/invalid params for runs.start/);
    await expect(client().request('plans.edit', { host: 'vm', run: RUN.id, plan: { title: '' } })).rejects.toThrow(/invalid params for plans.edit/);
  });
});
