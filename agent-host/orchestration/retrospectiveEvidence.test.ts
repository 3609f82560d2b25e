import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanVersionInfo } from '../../common/protocol/runs';
import { AuditLog } from '../audit/auditLog';
import { AuditReader } from '../audit/auditReader';
import { openDatabase, type Db } from '../journal/database';
import { agentEscalations, runEvidence } from './retrospectiveEvidence';
import type { RunItem } from './runItems';

let dir: string;
let db: Db;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fd-evidence-'));
  db = openDatabase(join(dir, 'host.db'));
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const plan = (version: number, status: PlanVersionInfo['status'], feedback: string | null): PlanVersionInfo => ({
  version,
  plan: { title: `Plan ${version}` } as PlanVersionInfo['plan'],
  hash: 'h',
  author: 'agent:r-abc123-planner',
  note: null,
  status,
  decidedBy: 'person:alice',
  feedback,
  createdAt: version,
});

const item = (change: Partial<RunItem>): RunItem => ({
  id: 'ck-00000001',
  run: 'r-abc123',
  step: 'flag',
  phase: null,
  kind: 'checkpoint',
  origin: 'agent-checkpoint',
  agent: null,
  summary: 'Step flag',
  detail: {},
  options: [],
  status: 'open',
  approvals: [],
  decidedBy: 'person:alice',
  decision: null,
  createdAt: 1,
  decidedAt: null,
  ...change,
});

describe('runEvidence', () => {
  it('keeps what a person corrected or decided, and nothing else', () => {
    const evidence = runEvidence({
      plans: [plan(1, 'changes-requested', 'Split the docs out.'), plan(2, 'superseded', null), plan(3, 'approved', null)],
      items: [
        item({ status: 'rejected', decision: 'Run the linter first.' }),
        item({ id: 'ck-00000002', status: 'approved', decision: 'good' }),
        item({ id: 'ck-00000003', step: null, phase: 'build', origin: 'phase', status: 'rejected', decision: 'The phase lacks docs.' }),
        item({ id: 'es-00000001', kind: 'escalation', origin: 'merge-conflict', summary: 'Step flag conflicts', detail: { context: 'README.md' }, status: 'answered', decision: 'Send it back' }),
        item({ id: 'es-00000002', kind: 'escalation', origin: 'agent-ended', summary: 'It died', status: 'dropped' }),
      ],
      agentEscalations: [{ agent: 'r-abc123-flag', problem: 'Which runner?', answer: null, by: null }],
      extra: ['Review comment: name it --verbose.', '  '],
    });
    expect(evidence).toEqual([
      'Plan v1 ("Plan 1") was sent back by person:alice: Split the docs out.',
      'Checkpoint ck-00000001 of step flag ("Step flag") was rejected by person:alice: Run the linter first.',
      'Checkpoint ck-00000003 of phase build ("Step flag") was rejected by person:alice: The phase lacks docs.',
      'Escalation es-00000001 of step flag (merge-conflict): Step flag conflicts\nContext: README.md\nResolved by person:alice: Send it back',
      'Escalation es-00000002 of step flag (agent-ended): It died\nDropped (the run was cancelled).',
      'Agent r-abc123-flag escalated: Which runner?\nNever answered.',
      'Review comment: name it --verbose.',
    ]);
    expect(runEvidence({ plans: [plan(1, 'approved', null)], items: [item({ status: 'approved' })], agentEscalations: [], extra: [] })).toEqual([]);
  });

  it("finds the agents' own escalations and their answers in the audit", () => {
    const audit = new AuditLog(db);
    audit.append({ actor: 'agent:r-abc123-flag', action: 'agent.escalate', target: 'agent:r-abc123-flag', outcome: 'ok', data: { id: 'q-1', input: { problem: 'Which runner?' } } });
    audit.append({ actor: 'agent:r-abc123-docs', action: 'agent.escalate', target: 'agent:r-abc123-docs', outcome: 'ok', data: { id: 'q-2', input: { problem: 'Not mine' } } });
    audit.append({ actor: 'person:bob', action: 'agent.answer', target: 'agent:r-abc123-flag', outcome: 'ok', data: { id: 'q-1', answer: 'vitest' } });
    expect(agentEscalations(new AuditReader(db), ['r-abc123-flag', 'r-abc123-tests'])).toEqual([{ agent: 'r-abc123-flag', problem: 'Which runner?', answer: 'vitest', by: 'person:bob' }]);
  });
});
