import { flightdeckTools, type RunToolName } from '../../../common/protocol/flightdeckTools';
import type { Endpoint } from '../endpoint';
import { defineTool, ToolFailure, type ToolOutcome, type ToolSpec } from './toolSpec';

const firstLine = (text: string) => text.split('\n')[0]!.slice(0, 120);

/** Ctrl-C stops waiting for the answer; the question stays in the inbox (a request cannot be taken back). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const stop = () => reject(new ToolFailure('interrupted while waiting for the answer'));
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}

/**
 * Flightdeck's own tools, run through the agent's endpoint: report_progress is a line for the tech lead; the run tools
 * its run offers it (`runTools`) are answered by the run at once; the others are questions and gates that block in
 * agent.ask until a human answers — the answer is the result.
 */
export function flightdeckToolSpecs(endpoint: Endpoint, runTools: readonly RunToolName[] = []): ToolSpec[] {
  const ask = (kind: 'ask_human' | 'escalate' | 'checkpoint' | 'submit_plan') =>
    defineTool({
      name: kind,
      description: flightdeckTools[kind].description,
      input: flightdeckTools[kind].input,
      async run(input, { signal }): Promise<ToolOutcome> {
        const asked = endpoint.request('agent.ask', { kind, input: input as Record<string, unknown> });
        const { answer, by } = await untilAborted(asked, signal);
        return { ok: true, content: `Answer from ${by}:\n${answer}`, summary: `${by}: ${firstLine(answer)}` };
      },
    });
  return [
    defineTool({
      name: 'report_progress',
      description: flightdeckTools.report_progress.description,
      input: flightdeckTools.report_progress.input,
      async run({ message }): Promise<ToolOutcome> {
        await endpoint.request('agent.progress', { message });
        return { ok: true, content: 'Reported.', summary: 'reported' };
      },
    }),
    ask('ask_human'),
    ask('escalate'),
    ask('checkpoint'),
    ask('submit_plan'),
    ...runTools.map((tool) =>
      defineTool({
        name: tool,
        description: flightdeckTools[tool].description,
        input: flightdeckTools[tool].input,
        async run(input): Promise<ToolOutcome> {
          const { text } = await endpoint.request('agent.runTool', { tool, input: input as Record<string, unknown> });
          return { ok: true, content: text, summary: firstLine(text) };
        },
      }),
    ),
  ];
}
