// One fake model for the agents of a run at once: each request is answered from the script of the agent that sent
// it (told apart by its task, the first message), so parallel agents get their own turns in whatever order their
// requests arrive.
import type { RecordedRequest, ScriptedTurn } from '../../harness/fake-anthropic';

/** The first user message's text: the agent's task. */
export function taskOf(request: RecordedRequest): string {
  const first = request.body!.messages[0]!.content;
  return typeof first === 'string' ? first : (first as { type: string; text?: string }[]).map((block) => block.text ?? '').join('');
}

/** `planner` for a run's planner, `retro` for its retrospective, the step id for a step agent (their prompts say which they are). */
export function runAgentOf(request: RecordedRequest): string {
  const task = taskOf(request);
  if (task.startsWith('You are the planner of run')) return 'planner';
  if (task.startsWith('You are the retrospective of run')) return 'retro';
  const step = /^You are the \S+ of step "([^"]+)"/.exec(task);
  if (!step) throw new Error(`a request from no agent of the run: ${task.slice(0, 200)}`);
  return step[1]!;
}

/**
 * Turns for fakeAnthropic that route each request to `scripts[agentOf(request)]`. An agent that asks past the end
 * of its script gets a non-retryable error naming it: a test bug, never a silent default.
 */
export function routedTurns(scripts: Record<string, ScriptedTurn[]>, agentOf: (request: RecordedRequest) => string = runAgentOf): ScriptedTurn[] {
  const queues = new Map(Object.entries(scripts).map(([agent, turns]) => [agent, [...turns]]));
  const total = [...queues.values()].reduce((sum, turns) => sum + turns.length, 0);
  const route: ScriptedTurn = (request) => {
    const agent = agentOf(request);
    const next = queues.get(agent)?.shift();
    if (next === undefined) return { error: { status: 400, type: 'invalid_request_error', message: `routed model: no turn left for ${agent}` } };
    return typeof next === 'function' ? next(request) : next;
  };
  return Array.from({ length: total }, () => route);
}
