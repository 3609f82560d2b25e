import { describe, expect, it } from 'vitest';
import { RunRecord } from '../protocol/runRecord';
import { type ContextEntry, DECISIONS_DOC, decisionEntries, LEARNINGS_DOC, parseEntries, renderEntries, unionEntries } from './entries';

const T = Date.UTC(2026, 11, 1, 9, 30);

const entries: ContextEntry[] = [
  { id: 'r-b/ck-1', time: T + 60_000, body: '### Second\n\n- a point' },
  { id: 'r-a/plan-v1', time: T, body: '### First\n\n> feedback\n> on two lines' },
  { id: 'r-a/ck-2', time: T + 60_000, body: '### Same minute, earlier id' },
];

describe('entries files', () => {
  it('renders the header then entries by time then id, and parses back to the same entries', () => {
    const text = renderEntries(DECISIONS_DOC, entries);
    expect(text.startsWith(`${DECISIONS_DOC.header}\n\n<!-- flightdeck:entry r-a/plan-v1 2026-12-01T09:30:00.000Z -->\n### First`)).toBe(true);
    expect(text.indexOf('r-a/ck-2')).toBeLessThan(text.indexOf('r-b/ck-1'));
    expect(text.endsWith('- a point\n')).toBe(true);
    const parsed = parseEntries(text);
    expect(parsed.header).toBe(DECISIONS_DOC.header);
    expect(parsed.entries).toEqual([entries[1], entries[2], entries[0]]);
    expect(renderEntries(DECISIONS_DOC, parsed.entries)).toBe(text);
  });

  it("keeps a person's edit inside an entry as its body, and the existing body on a union", () => {
    const text = renderEntries(DECISIONS_DOC, entries).replace('- a point', '- a point\n\nAlice: we chose this because of the migration.\n');
    const edited = parseEntries(text).entries.find((entry) => entry.id === 'r-b/ck-1')!;
    expect(edited.body).toBe('### Second\n\n- a point\n\nAlice: we chose this because of the migration.');
    const fresh = { id: 'r-c/ck-9', time: T - 1, body: 'new' };
    const union = unionEntries(parseEntries(text).entries, [...entries, fresh]);
    expect(union).toHaveLength(4);
    expect(union.find((entry) => entry.id === 'r-b/ck-1')!.body).toBe(edited.body);
    expect(renderEntries(DECISIONS_DOC, union).indexOf('r-c/ck-9')).toBeLessThan(renderEntries(DECISIONS_DOC, union).indexOf('r-a/plan-v1'));
  });

  it('reads a marker with a mangled time as text of the entry before it', () => {
    const parsed = parseEntries(`# H\n\n<!-- flightdeck:entry a 2026-12-01T09:30:00.000Z -->\nbody\n<!-- flightdeck:entry b yesterday -->\nmore\n`);
    expect(parsed.entries).toEqual([{ id: 'a', time: T, body: 'body\n<!-- flightdeck:entry b yesterday -->\nmore' }]);
  });

  it('writes learnings as a header and an empty note until there is a source', () => {
    const text = renderEntries(LEARNINGS_DOC, []);
    expect(text).toBe(`${LEARNINGS_DOC.header}\n\n_No learnings accepted yet._\n`);
    expect(parseEntries(text).entries).toEqual([]);
  });
});

describe('decisionEntries', () => {
  const record = RunRecord.parse({
    run: {
      id: 'r-abc123',
      runbook: { name: 'add-feature', version: '1.0.0', hash: 'a'.repeat(64), source: 'built-in', file: 'runbooks/add-feature.md' },
      repo: 'app',
      params: {},
      state: 'running',
      reason: null,
      baseCommit: 'b'.repeat(40),
      integrationBranch: 'flightdeck-run/r-abc123',
      planner: null,
      planVersion: 3,
      approvedVersion: 2,
      steps: [],
      startedBy: 'person:alice',
      createdAt: T,
      updatedAt: T,
    },
    repoUrl: '',
    runbookText: '',
    plans: [1, 2, 3].map((version) => ({
      version,
      plan: {
        title: 'Dark mode',
        summary: '',
        analysis: { touchpoints: [], dependencies: [], risks: [] },
        phases: [{ id: 'p', title: 'P', estimate_hours: 1, steps: [{ id: 's', title: 'S', description: '', role: 'r', depends_on: [], checkpoint: false }] }],
        impact: { components: [], breaking_changes: [], testing: [] },
        rollback: [],
        questions: [],
      },
      hash: 'a'.repeat(64),
      author: 'agent:p',
      note: null,
      status: (['changes-requested', 'approved', 'pending'] as const)[version - 1],
      decidedBy: version < 3 ? 'person:alice' : null,
      feedback: version === 1 ? 'Split the docs out\nand name it well' : null,
      createdAt: T + version * 60_000,
    })),
    prompts: [],
    steps: [],
    items: [
      { id: 'ck-1', kind: 'checkpoint', origin: 'agent-checkpoint', step: 'flag', phase: 'p', agent: null, summary: 'First try\nmore', status: 'rejected', decision: 'Name it FLAG_DARK', decidedBy: 'person:bob', approvals: [], createdAt: T, decidedAt: T + 600_000, testsRun: [], files: [] },
      { id: 'es-2', kind: 'escalation', origin: 'merge-conflict', step: null, phase: null, agent: null, summary: 'Conflict', status: 'open', decision: null, decidedBy: null, approvals: [], createdAt: T, decidedAt: null, testsRun: [], files: [] },
      { id: 'ck-3', kind: 'checkpoint', origin: 'step', step: 'docs', phase: 'p', agent: null, summary: 'Protected', status: 'approved', decision: null, decidedBy: 'person:carol', approvals: ['person:alice', 'person:carol'], createdAt: T, decidedAt: T + 700_000, testsRun: [], files: [] },
    ],
    agents: [],
  });

  it('lists decided plan versions and decided items, never what is still open', () => {
    const list = decisionEntries([record]);
    expect(list.map((entry) => entry.id)).toEqual(['r-abc123/plan-v1', 'r-abc123/plan-v2', 'r-abc123/ck-1', 'r-abc123/ck-3']);
    const [v1, , ck1, ck3] = list;
    expect(v1!.body).toContain('### r-abc123 · plan v1 changes-requested by person:alice');
    expect(v1!.body).toContain('> Split the docs out\n> and name it well');
    expect(ck1!.time).toBe(T + 600_000);
    expect(ck1!.body).toContain('### r-abc123 · step flag · checkpoint rejected by person:bob');
    expect(ck1!.body).toContain('- Decided: 2026-12-01 09:40 UTC');
    expect(ck1!.body).toContain('- Summary: First try\n');
    expect(ck1!.body).toContain('> Name it FLAG_DARK');
    expect(ck3!.body).toContain('- Approvals: person:alice, person:carol');
  });
});
