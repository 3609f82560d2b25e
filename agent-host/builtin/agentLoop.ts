import type Anthropic from '@anthropic-ai/sdk';
import type { Message as ApiMessage } from '@anthropic-ai/sdk/resources/messages';
import type { AgentHello } from '../../common/protocol/agentEndpoint';
import type { TokenUsage } from '../../common/protocol/agents';
import { errorMessage } from '../../common/wire/errors';
import { compactOldToolResults, type ContextMeter } from './contextBudget';
import type { Conversation } from './conversation';
import { isEndpointClosed, type Endpoint } from './endpoint';
import type { HumanInput } from './humanInput';
import { assistantContent, describeModelError, isAbort, streamTurn, type ModelRequest } from './modelClient';
import type { ToolCalls } from './toolCalls';
import type { Transcript } from './transcript';

/** How the built-in agent's process ends. */
export const EXIT = {
  /** The human quit at the prompt (Ctrl-C, Ctrl-D). */
  done: 0,
  /** The endpoint closed, or could not be reached. */
  endpointLost: 1,
  /** Cannot start: no endpoint variables, hello refused, an invalid saved conversation. */
  startup: 2,
  /** maxTurns model calls made; the conversation is saved, a resume with a larger budget continues it. */
  turnBudget: 3,
} as const;

/** The agent is shutting down (endpoint closed, SIGTERM): whatever it was doing is abandoned. */
class Stopped extends Error {}

export interface LoopParts {
  endpoint: Endpoint;
  hello: AgentHello;
  conversation: Conversation;
  client: Anthropic;
  request: ModelRequest;
  tools: ToolCalls;
  meter: ContextMeter;
  transcript: Transcript;
  input: HumanInput;
  shutdown: AbortSignal;
}

/**
 * The agent's life: a turn (model call, tool calls, model call… until the model stops calling tools), then idle at
 * the prompt until a human writes, then the next turn. Every change to the conversation is saved before the next
 * step, so a kill at any instant resumes from a valid state.
 */
export class AgentLoop {
  private turns: number;
  private turn: AbortController | undefined;

  constructor(private readonly parts: LoopParts) {
    this.turns = parts.hello.turns;
  }

  /** Ctrl-C while working: stops the turn (the model call, the running command) and goes idle. False when idle. */
  interrupt(): boolean {
    if (!this.turn || this.turn.signal.aborted) return false;
    this.turn.abort();
    return true;
  }

  async run(): Promise<number> {
    let working = await this.start();
    for (;;) {
      if (working) {
        const exit = await this.work();
        if (exit !== undefined) return exit;
      }
      if (!(await this.waitForHuman())) return EXIT.done;
      working = true;
    }
  }

  /** First start: the task is the first message. Resume: answer calls cut off by the restart, then carry on. */
  private async start(): Promise<boolean> {
    const { conversation, hello, transcript } = this.parts;
    if (conversation.messages.length === 0) {
      if (hello.task.trim() === '') return false;
      transcript.info(`task: ${hello.task}`);
      conversation.appendUserText(hello.task);
      await this.save();
      return true;
    }
    transcript.info(`resuming: ${conversation.messages.length} messages, ${this.turns} of ${hello.limits.maxTurns} model calls used`);
    const interrupted = conversation.repairInterrupted();
    if (interrupted > 0) {
      transcript.warn(`${interrupted} tool call(s) were cut off by the restart: the model is told so, and may re-run them`);
      await this.save();
    }
    return conversation.last?.role === 'user';
  }

  /** One turn. Returns an exit code to end the process, undefined to go idle. */
  private async work(): Promise<number | undefined> {
    const { conversation, transcript, shutdown } = this.parts;
    if (this.budgetSpent()) return EXIT.turnBudget;
    await this.setState('working');
    const turn = new AbortController();
    this.turn = turn;
    const signal = AbortSignal.any([shutdown, turn.signal]);
    try {
      for (;;) {
        if (this.budgetSpent()) return EXIT.turnBudget;
        await this.compactIfNeeded();
        const response = await this.callModel(signal);
        if (!response) return undefined;
        const content = assistantContent(response);
        if (content.length === 0) {
          transcript.warn(`the model answered nothing (stop reason ${response.stop_reason}); press Enter to try again`);
          return undefined;
        }
        conversation.appendAssistant(content);
        this.parts.meter.record(response.usage, conversation.messages.length);
        await this.save();
        const calls = conversation.unansweredCalls();
        if (calls.length === 0) {
          this.explainStop(response);
          return undefined;
        }
        for (const call of calls) {
          if (signal.aborted) break;
          conversation.addToolResult(await this.parts.tools.run(call, signal));
          await this.save();
        }
        if (signal.aborted) return await this.interrupted();
      }
    } finally {
      this.turn = undefined;
    }
  }

  /** A human message does not buy more calls: past maxTurns the agent says so and exits (EXIT.turnBudget). */
  private budgetSpent(): boolean {
    const { maxTurns } = this.parts.hello.limits;
    if (this.turns < maxTurns) return false;
    this.parts.transcript.error(
      `The turn budget is spent: ${this.turns} of ${maxTurns} model calls made. The conversation is saved; ` +
        'resume the agent with a larger maxTurns to continue. Exiting.',
    );
    return true;
  }

  /** The model's answer, streamed; undefined when the call failed or was interrupted (said in the transcript). */
  private async callModel(signal: AbortSignal): Promise<ApiMessage | undefined> {
    const { client, request, conversation, transcript, shutdown } = this.parts;
    let response: ApiMessage;
    try {
      response = await streamTurn(client, request, conversation.messages, transcript, signal);
    } catch (error) {
      if (shutdown.aborted) throw new Stopped();
      if (isAbort(error) || signal.aborted) {
        await this.interrupted();
        return undefined;
      }
      transcript.error(`model call failed: ${describeModelError(error)}`);
      transcript.info('the conversation is unchanged; press Enter at the prompt to try again');
      return undefined;
    }
    this.turns++;
    await this.reportUsage(response);
    return response;
  }

  private async interrupted(): Promise<undefined> {
    if (this.parts.shutdown.aborted) throw new Stopped();
    const { conversation, transcript } = this.parts;
    if (conversation.repairInterrupted() > 0) await this.save();
    transcript.warn('interrupted');
    return undefined;
  }

  private explainStop(response: ApiMessage): void {
    const { transcript, request } = this.parts;
    if (response.stop_reason === 'max_tokens') {
      transcript.warn(`the answer was cut at max_tokens (${request.maxTokens}); say "continue" to let it go on`);
    } else if (response.stop_reason === 'refusal') {
      transcript.warn('the model declined to continue (refusal)');
    }
  }

  private async compactIfNeeded(): Promise<void> {
    const { conversation, meter, transcript, hello } = this.parts;
    const budget = hello.limits.contextTokens;
    const before = meter.estimate(conversation.messages);
    const compaction = compactOldToolResults(conversation.messages, meter, budget);
    if (!compaction) return;
    if (compaction.results > 0) {
      transcript.info(
        `context ~${before} tokens is over the budget of ${budget}: ` +
          `compacted ${compaction.results} old tool result(s), ${compaction.chars} chars`,
      );
      await this.save();
    }
    if (compaction.tokens > budget) {
      transcript.warn(`context is still ~${compaction.tokens} tokens, over the budget of ${budget}: no older tool output is left to compact`);
    }
  }

  /** Idle until a human writes. False: the human quit. */
  private async waitForHuman(): Promise<boolean> {
    const { conversation, input, transcript } = this.parts;
    await this.setState('idle');
    // After a failed call the conversation already ends with the user's message: Enter alone sends it again.
    const retry = conversation.last?.role === 'user';
    transcript.info(
      retry
        ? 'idle · Enter retries the last message, or type more · Ctrl-C exits · typing is read only at this prompt'
        : 'idle · type a message and Enter · Ctrl-C or Ctrl-D exits · typing is read only at this prompt',
    );
    for (;;) {
      const message = await input.next();
      if (this.parts.shutdown.aborted) throw new Stopped();
      if (message === null) return false;
      if (message.by !== null) transcript.message(message.by, message.text);
      if (message.text.trim() === '') {
        if (retry) return true;
        continue;
      }
      conversation.appendUserText(message.text);
      await this.save();
      return true;
    }
  }

  private async reportUsage(response: ApiMessage): Promise<void> {
    const { endpoint, transcript, request } = this.parts;
    const usage = tokenUsage(response);
    let costUsd: number | null = null;
    try {
      ({ costUsd } = await endpoint.request('agent.usage', { model: response.model || request.model, usage }));
    } catch (error) {
      if (isEndpointClosed(error)) throw error;
      transcript.warn(`usage was not recorded: ${errorMessage(error)}`);
    }
    transcript.usage(usage, costUsd);
  }

  private async save(): Promise<void> {
    const { endpoint, conversation, transcript } = this.parts;
    try {
      await endpoint.request('conversation.save', { conversation: conversation.toJSON(), turns: this.turns });
    } catch (error) {
      if (isEndpointClosed(error)) throw error;
      transcript.warn(`the conversation was not saved (a restart would lose the latest steps): ${errorMessage(error)}`);
    }
  }

  private async setState(status: 'working' | 'idle'): Promise<void> {
    try {
      await this.parts.endpoint.request('agent.state', { status });
    } catch (error) {
      if (isEndpointClosed(error)) throw error;
      this.parts.transcript.warn(`the status was not reported: ${errorMessage(error)}`);
    }
  }
}

function tokenUsage(response: ApiMessage): TokenUsage {
  return {
    inputTokens: response.usage.input_tokens,
    outputTokens: response.usage.output_tokens,
    cacheReadTokens: response.usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: response.usage.cache_creation_input_tokens ?? 0,
  };
}
