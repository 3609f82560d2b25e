import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectEndpoint, type Endpoint } from '../endpoint';
import { TestEndpoint } from '../testing/testEndpoint';
import { flightdeckToolSpecs } from './flightdeckToolSpecs';
import type { ToolSpec } from './toolSpec';

let daemon: TestEndpoint;
let endpoint: Endpoint;
let tools: Map<string, ToolSpec>;
const context = () => ({ root: '/nonexistent', signal: new AbortController().signal });

beforeEach(async () => {
  daemon = await TestEndpoint.start();
  endpoint = await connectEndpoint(daemon.socketPath);
  tools = new Map(flightdeckToolSpecs(endpoint).map((tool) => [tool.name, tool]));
});
afterEach(async () => {
  endpoint.close();
  await daemon.close();
});

const plan = {
  title: 'Split the parser',
  summary: 'Two steps.',
  analysis: { touchpoints: ['src/parser.ts'], dependencies: [], risks: [] },
  phases: [{ id: 'p1', title: 'Split', estimate_hours: 2, steps: [{ id: 's1', title: 'Move', description: '', role: 'builder', depends_on: [], checkpoint: true }] }],
  impact: { components: ['parser'], breaking_changes: [], testing: ['unit'] },
  rollback: ['revert'],
  questions: [],
};

describe('Flightdeck tools', () => {
  it.each([
    ['ask_human', { question: 'Which database?', options: ['sqlite', 'postgres'] }],
    ['escalate', { problem: 'CI is down', context: 'since 10:00', suggested_resolutions: ['wait'] }],
    ['checkpoint', { summary: 'Parser split', tests_run: ['npm test'] }],
    ['submit_plan', plan],
  ])('%s asks the host and returns the human answer', async (kind, input) => {
    daemon.ask = async () => ({ answer: `answer to ${kind}`, by: 'lead' });
    const tool = tools.get(kind)!;
    expect(tool.input.safeParse(input).success).toBe(true);
    const parsed = tool.input.parse(input);
    const outcome = await tool.run(parsed, context());
    expect(outcome).toEqual({ ok: true, content: `Answer from lead:\nanswer to ${kind}`, summary: `lead: answer to ${kind}` });
    // The host gets the input as validated, defaults filled in (a plan without constraints has none).
    expect(daemon.of('agent.ask')).toEqual([{ kind, input: parsed }]);
  });

  it('offers run tools only when the run gives them, answered by the run at once', async () => {
    expect(tools.has('propose_learnings')).toBe(false);
    const offered = new Map(flightdeckToolSpecs(endpoint, ['propose_learnings']).map((tool) => [tool.name, tool]));
    daemon.runTool = () => ({ text: 'Submitted for review: 1 learning.' });
    const input = { learnings: [{ text: 'Run the linter first.', applies_to: 'repo' }] };
    const outcome = await offered.get('propose_learnings')!.run(input, context());
    expect(outcome).toEqual({ ok: true, content: 'Submitted for review: 1 learning.', summary: 'Submitted for review: 1 learning.' });
    expect(daemon.of('agent.runTool')).toEqual([{ tool: 'propose_learnings', input }]);
    expect(daemon.of('agent.ask')).toEqual([]);
  });

  it('report_progress tells the host without waiting for a human', async () => {
    const outcome = await tools.get('report_progress')!.run({ message: 'Halfway.' }, context());
    expect(outcome.ok).toBe(true);
    expect(daemon.of('agent.progress')).toEqual([{ message: 'Halfway.' }]);
  });

  it('stops waiting for an answer when the turn is interrupted', async () => {
    daemon.ask = () => new Promise(() => undefined);
    const controller = new AbortController();
    const waiting = tools.get('ask_human')!.run({ question: 'Still there?' }, { root: '/', signal: controller.signal });
    await daemon.waitFor('agent.ask');
    controller.abort();
    await expect(waiting).rejects.toThrow('interrupted while waiting for the answer');
  });

  it('validates a plan against the contract', () => {
    const result = tools.get('submit_plan')!.input.safeParse({ ...plan, phases: [] });
    expect(result.success).toBe(false);
  });
});
