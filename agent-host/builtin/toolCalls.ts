import { HumanRequestKind } from '../../common/protocol/agents';
import { describeZodIssues } from '../../common/zodIssues';
import { errorMessage } from '../../common/wire/errors';
import type { ToolResultBlock, ToolUseBlock } from './conversation';
import { isEndpointClosed, type Endpoint } from './endpoint';
import type { ToolContext, ToolOutcome, ToolSpec } from './tools/toolSpec';
import type { Transcript } from './transcript';

const MAX_SUMMARY_CHARS = 200;

const isHumanRequest = (tool: string): boolean => HumanRequestKind.safeParse(tool).success;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Runs the model's tool calls, each through the host first: tool.decide (audited before it answers) → on allow,
 * validate and run → tool.done. A denied or undecidable call never runs; the model gets the reason as a tool error.
 */
export class ToolCalls {
  private readonly byName: Map<string, ToolSpec>;

  constructor(
    private readonly endpoint: Endpoint,
    tools: readonly ToolSpec[],
    /** The worktree's real path. */
    private readonly root: string,
    private readonly transcript: Transcript,
  ) {
    this.byName = new Map(tools.map((tool) => [tool.name, tool]));
  }

  /** `signal` stops the call (Ctrl-C, shutdown): a command is killed, a wait for an answer given up. */
  async run(call: ToolUseBlock, signal: AbortSignal): Promise<ToolResultBlock> {
    this.transcript.toolCall(call.name, call.input);
    let decision;
    try {
      decision = await this.endpoint.request('tool.decide', { callId: call.id, tool: call.name, input: isObject(call.input) ? call.input : {} });
    } catch (error) {
      if (isEndpointClosed(error)) throw error;
      // Fail closed: no decision, no run.
      return this.refused(call, `The host could not decide on this call (${errorMessage(error)}); it did not run.`);
    }
    if (decision.decision === 'deny') {
      return this.refused(call, `Denied by the host (rule ${decision.rule}): ${decision.reason ?? 'no reason given'}. The tool did not run.`);
    }
    if (isHumanRequest(call.name)) this.transcript.info('  waiting for a human to answer in Flightdeck…');
    const outcome = await this.execute(call, { root: this.root, signal });
    try {
      const summary = outcome.summary.length > MAX_SUMMARY_CHARS ? `${outcome.summary.slice(0, MAX_SUMMARY_CHARS - 1)}…` : outcome.summary;
      await this.endpoint.request('tool.done', { callId: call.id, tool: call.name, ok: outcome.ok, summary });
    } catch (error) {
      if (isEndpointClosed(error)) throw error;
      this.transcript.warn(`tool.done was not recorded: ${errorMessage(error)}`);
    }
    this.transcript.toolResult(outcome.ok, outcome.summary);
    return result(call, outcome.ok, outcome.content);
  }

  private async execute(call: ToolUseBlock, context: ToolContext): Promise<ToolOutcome> {
    const spec = this.byName.get(call.name);
    if (!spec) {
      const names = [...this.byName.keys()].join(', ');
      return { ok: false, content: `There is no tool ${call.name}; the tools are ${names}.`, summary: 'unknown tool' };
    }
    const input = spec.input.safeParse(call.input);
    if (!input.success) {
      const issues = describeZodIssues(input.error);
      return { ok: false, content: `Invalid input for ${call.name}: ${issues}`, summary: `invalid input: ${issues}` };
    }
    try {
      return await spec.run(input.data, context);
    } catch (error) {
      if (isEndpointClosed(error)) throw error;
      const message = errorMessage(error);
      return { ok: false, content: message, summary: message.split('\n')[0]! };
    }
  }

  private refused(call: ToolUseBlock, reason: string): ToolResultBlock {
    this.transcript.toolResult(false, reason);
    return result(call, false, reason);
  }
}

function result(call: ToolUseBlock, ok: boolean, content: string): ToolResultBlock {
  // The API refuses an empty result; "(no output)" says what happened.
  const text = content === '' ? '(no output)' : content;
  const block: ToolResultBlock = { type: 'tool_result', tool_use_id: call.id, content: text };
  return ok ? block : { ...block, is_error: true };
}
