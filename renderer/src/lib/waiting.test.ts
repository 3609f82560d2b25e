import { describe, expect, it } from 'vitest';
import type { HostView } from '../../../common/app/hosts';
import type { InboxEntry } from '../../../common/app/runs';
import { ZERO_USAGE, type AgentInfo, type PendingQuestion } from '../../../common/protocol/agents';
import { awaitedItem, waitingText, whoIsWaiting } from './waiting';

const agent = (name: string, status: AgentInfo['status'], question: PendingQuestion | null = null): AgentInfo => ({
  name,
  profile: 'builtin',
  kind: 'builtin',
  repo: 'app',
  branch: `flightdeck/${name}`,
  baseCommit: 'abc123',
  worktree: `/w/${name}`,
  task: 'do it',
  model: null,
  sessionId: `s-${name}`,
  status,
  question,
  queuedMessages: 0,
  usage: ZERO_USAGE,
  costUsd: null,
  turns: 0,
  confinement: null,
  createdAt: 1,
  updatedAt: 5,
});

const entry = (id: string, kind: InboxEntry['kind'], agentName: string | null, summary: string, since: number, host = 'vm'): InboxEntry => ({
  host,
  id,
  kind,
  run: 'r-1',
  step: null,
  agent: agentName,
  summary,
  since,
});

const hostView = (name: string, agents: AgentInfo[]) => ({ name, sessions: [], agents }) as unknown as HostView;

describe('what a waiting agent waits on', () => {
  // The run holds its planner at the plan review and a step agent at its checkpoint: the host sets no question on
  // the agent for those, only the inbox item names it.
  const planner = agent('r-1-planner', 'waiting-for-human');
  const stepAgent = agent('r-1-auth', 'waiting-for-human');
  const escalating = agent('r-1-limits', 'waiting-for-human', { id: 'q-1', kind: 'escalate', text: 'escalation: how many attempts?', askedAt: 3 });
  const inbox = [
    entry('pl-r-1-1', 'plan', 'r-1-planner', 'v1: Harden the login', 1),
    entry('ck-old', 'checkpoint', 'r-1-auth', 'first try', 2),
    entry('ck-new', 'checkpoint', 'r-1-auth', 'login checks the user', 4),
    entry('q-1', 'escalation', 'r-1-limits', 'escalation: how many attempts?', 3),
    entry('pl-r-1-1', 'plan', 'r-1-planner', 'the same run name on another host', 1, 'vm2'),
  ];

  it('is the inbox item of its run gate when it has no question of its own: the newest one naming it, on its host', () => {
    expect(awaitedItem('vm', planner, inbox)).toBe(inbox[0]);
    expect(awaitedItem('vm', stepAgent, inbox)?.id).toBe('ck-new');
    expect(awaitedItem('vm2', planner, inbox)).toBe(inbox[4]);
    expect(waitingText(planner, inbox[0]!)).toBe('plan review: v1: Harden the login');
    expect(waitingText(stepAgent, inbox[2]!)).toBe('checkpoint: login checks the user');
  });

  it("is its own question's item when it asked one, worded as the host words it", () => {
    expect(awaitedItem('vm', escalating, inbox)).toBe(inbox[3]);
    expect(waitingText(escalating, inbox[3]!)).toBe('escalation: how many attempts?');
  });

  it('is nothing for an agent at its prompt, one that is not waiting, or before the inbox is loaded', () => {
    const atPrompt = agent('greeter', 'waiting-for-human');
    expect(awaitedItem('vm', atPrompt, inbox)).toBeNull();
    expect(waitingText(atPrompt, null)).toBe('waiting for input at its prompt');
    expect(awaitedItem('vm', agent('r-1-planner', 'working'), inbox)).toBeNull();
    expect(awaitedItem('vm', planner, null)).toBeNull();
    // A question the inbox does not list (yet): nothing to open there, the agent's own words still say what it asks.
    const asked = agent('r-1-planner', 'waiting-for-human', { id: 'q-9', kind: 'ask_human', text: 'Which table?', askedAt: 1 });
    expect(awaitedItem('vm', asked, inbox)).toBeNull();
    expect(waitingText(asked, null)).toBe('Which table?');
  });

  it('goes with each waiting agent in the fleet-wide list, so jumping to it opens the item', () => {
    const refs = whoIsWaiting({ vm: hostView('vm', [planner, escalating, agent('idle', 'idle')]) }, ['vm'], inbox);
    expect(refs.map((ref) => (ref.kind === 'agent' ? [ref.agent.name, ref.item?.id] : []))).toEqual([
      ['r-1-limits', 'q-1'],
      ['r-1-planner', 'pl-r-1-1'],
    ]);
    const unloaded = whoIsWaiting({ vm: hostView('vm', [planner]) }, ['vm']);
    expect(unloaded[0]!.kind === 'agent' && unloaded[0]!.item).toBeNull();
  });
});
