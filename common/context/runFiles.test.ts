import { describe, expect, it } from 'vitest';
import { RunRecord } from '../protocol/runRecord';
import { runFiles } from './runFiles';

const HASH = 'a'.repeat(64);
const USAGE = { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 5 };

function record(): RunRecord {
  const plan = {
    title: 'Add a dark-mode flag',
    summary: 'A flag and its docs.',
    analysis: { touchpoints: ['src/flags.ts'], dependencies: [], risks: [] },
    phases: [
      {
        id: 'p1',
        title: 'Build',
        estimate_hours: 2,
        steps: [
          { id: 'flag', title: 'Add the flag', description: '', role: 'implementer', depends_on: [], checkpoint: true },
          { id: 'docs', title: 'Document it', description: '', role: 'implementer', depends_on: [], checkpoint: false },
        ],
      },
    ],
    impact: { components: [], breaking_changes: [], testing: [] },
    rollback: ['Revert the merge'],
    questions: [],
  };
  const step = (id: string, title: string) => ({ id, phase: 'p1', title, role: 'implementer', dependsOn: [], checkpoint: id === 'flag', state: 'done' as const, agent: `r-abc123-${id}`, branch: `agent/r-abc123-${id}` });
  return RunRecord.parse({
    run: {
      id: 'r-abc123',
      runbook: { name: 'add-feature', version: '1.0.0', hash: HASH, source: 'built-in', file: 'runbooks/add-feature.md' },
      repo: 'app',
      params: { feature: 'dark mode' },
      state: 'done',
      reason: null,
      baseCommit: 'b'.repeat(40),
      integrationBranch: 'flightdeck-run/r-abc123',
      planner: 'r-abc123-planner',
      planVersion: 2,
      approvedVersion: 2,
      steps: [step('flag', 'Add the flag'), step('docs', 'Document it')],
      startedBy: 'person:alice',
      createdAt: Date.UTC(2026, 11, 1, 9, 0),
      updatedAt: Date.UTC(2026, 11, 1, 10, 30),
    },
    repoUrl: 'https://git.example.com/team/app.git',
    runbookText: '---\nname: add-feature\n---\n# Add a feature\n',
    plans: [
      { version: 1, plan, hash: HASH, author: 'agent:r-abc123-planner', note: null, status: 'changes-requested', decidedBy: 'person:alice', feedback: 'Split the docs out', createdAt: 1 },
      { version: 2, plan, hash: HASH, author: 'agent:r-abc123-planner', note: null, status: 'approved', decidedBy: 'person:alice', feedback: null, createdAt: 2 },
    ],
    prompts: [
      { agent: 'r-abc123-planner', role: 'planner', step: null, prompt: 'Plan it.', at: 1 },
      { agent: 'r-abc123-flag', role: 'implementer', step: 'flag', prompt: 'Add the flag.', at: 3 },
      { agent: 'r-abc123-flag', role: 'implementer', step: 'flag', prompt: 'Add the flag (restarted).', at: 4 },
    ],
    steps: [
      { id: 'flag', summary: 'Added FLAG_DARK.', baseCommit: 'c'.repeat(40), restarts: 1 },
      { id: 'docs', summary: null, baseCommit: null, restarts: 0 },
    ],
    items: [
      { id: 'ck-2', kind: 'checkpoint', origin: 'agent-checkpoint', step: 'flag', phase: 'p1', agent: 'r-abc123-flag', summary: 'Flag added', status: 'approved', decision: null, decidedBy: 'person:alice', approvals: ['person:alice'], createdAt: 20, decidedAt: 21, testsRun: ['npm test'], files: [{ path: 'src/flags.ts', added: 3, removed: 0 }] },
      { id: 'ck-1', kind: 'checkpoint', origin: 'agent-checkpoint', step: 'flag', phase: 'p1', agent: 'r-abc123-flag', summary: 'First try', status: 'rejected', decision: 'Name it FLAG_DARK', decidedBy: 'person:alice', approvals: [], createdAt: 10, decidedAt: 11, testsRun: [], files: [] },
    ],
    agents: [
      { agent: 'r-abc123-planner', role: 'planner', step: null, model: 'claude-x', usage: USAGE, costUsd: 0.25, turns: 2 },
      { agent: 'r-abc123-flag', role: 'implementer', step: 'flag', model: 'claude-x', usage: USAGE, costUsd: 0.5, turns: 4 },
    ],
  });
}

describe('runFiles', () => {
  it('writes exactly the run directory of the contract, the same bytes every time', () => {
    const files = runFiles(record());
    const dir = '.flightdeck/runs/r-abc123';
    expect([...files.keys()].sort()).toEqual(
      [`${dir}/checkpoints.jsonl`, `${dir}/cost.json`, `${dir}/plan.json`, `${dir}/plan.md`, `${dir}/prompts/r-abc123-flag.md`, `${dir}/prompts/r-abc123-planner.md`, `${dir}/prompts/runbook.md`, `${dir}/summary.md`].sort(),
    );
    expect(runFiles(record())).toEqual(files);
  });

  it('keeps the exact runbook, every prompt of a restarted agent, every plan version', () => {
    const files = runFiles(record());
    const dir = '.flightdeck/runs/r-abc123';
    expect(files.get(`${dir}/prompts/runbook.md`)).toBe('---\nname: add-feature\n---\n# Add a feature\n');
    const flag = files.get(`${dir}/prompts/r-abc123-flag.md`)!;
    expect(flag).toContain('prompt 1 of 2');
    expect(flag.indexOf('Add the flag.')).toBeLessThan(flag.indexOf('Add the flag (restarted).'));
    const planJson = JSON.parse(files.get(`${dir}/plan.json`)!) as { versions: { version: number; feedback: string | null }[]; updatedAt: number };
    expect(planJson.versions.map((version) => version.version)).toEqual([1, 2]);
    expect(planJson.versions[0]!.feedback).toBe('Split the docs out');
    expect(planJson.updatedAt).toBe(Date.UTC(2026, 11, 1, 10, 30));
    expect(files.get(`${dir}/plan.md`)).toContain('Version 2 · ');
  });

  it('lists checkpoints oldest first with their decisions, sums the cost, summarises the steps', () => {
    const files = runFiles(record());
    const dir = '.flightdeck/runs/r-abc123';
    const lines = files.get(`${dir}/checkpoints.jsonl`)!.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; decision: string | null });
    expect(lines.map((line) => line.id)).toEqual(['ck-1', 'ck-2']);
    expect(lines[0]!.decision).toBe('Name it FLAG_DARK');
    const cost = JSON.parse(files.get(`${dir}/cost.json`)!) as { total: { costUsd: number; usage: { inputTokens: number } } };
    expect(cost.total).toMatchObject({ costUsd: 0.75, usage: { inputTokens: 200 } });
    const summary = files.get(`${dir}/summary.md`)!;
    expect(summary).toContain('add-feature 1.0.0 (built-in, sha256 ' + HASH);
    expect(summary).toContain('Added FLAG_DARK.');
    expect(summary).toContain('restarted 1×');
    expect(summary).toContain('ck-1 (checkpoint, agent-checkpoint, step flag): First try — rejected by person:alice: Name it FLAG_DARK');
    expect(summary).toContain('2026-12-01 09:00 UTC');
  });
});
