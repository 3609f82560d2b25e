import type { Message } from './conversation';

/** The usual rough measure of English and code: about 4 characters a token. */
export const CHARS_PER_TOKEN = 4;
/** Compaction goes down to this share of the budget, not just under it: each compaction rewrites old messages, which
 * invalidates the prompt cache from there on, so it should happen rarely and in batches. */
const LOW_WATER = 0.7;
/** Results shorter than this are not worth a note that is nearly as long. */
const MIN_COMPACTABLE_CHARS = 400;

const estimate = (value: unknown): number => Math.ceil(JSON.stringify(value).length / CHARS_PER_TOKEN);

export interface MeasuredUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number | null;
  cache_creation_input_tokens: number | null;
}

/**
 * How many tokens the next request will hold. The last response's usage is the truth for everything up to and
 * including that response; what was added since (tool results, a human's text) is estimated.
 */
export class ContextMeter {
  private measured: { tokens: number; messageCount: number } | undefined;

  /** `overhead`: the system prompt and the tool definitions, which every request carries. */
  constructor(private readonly overhead: unknown) {}

  /** After appending the response to a request: `messageCount` counts the messages, response included. */
  record(usage: MeasuredUsage, messageCount: number): void {
    const input = usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
    this.measured = { tokens: input + usage.output_tokens, messageCount };
  }

  estimate(messages: readonly Message[]): number {
    if (!this.measured || this.measured.messageCount > messages.length) return estimate(this.overhead) + estimate(messages);
    return this.measured.tokens + (messages.length > this.measured.messageCount ? estimate(messages.slice(this.measured.messageCount)) : 0);
  }

  /** Message `index` got `chars` shorter (compaction): a measured one counts that many fewer tokens now. */
  shrink(index: number, chars: number): void {
    if (this.measured && index < this.measured.messageCount) this.measured.tokens -= Math.floor(chars / CHARS_PER_TOKEN);
  }
}

export const compactedNote = (chars: number, tool: string): string =>
  `[compacted: ${chars} chars of ${tool} output; re-run the tool if needed]`;

export interface Compaction {
  results: number;
  chars: number;
  /** The estimate after compacting: still over the budget when there was not enough old output to compact. */
  tokens: number;
}

/**
 * When the conversation passes `budget`, replaces the content of old tool results, oldest first, by a note naming
 * the tool and the size, until it is down to the low-water mark. The last message (the results the model has not
 * seen yet) is never touched, no message is dropped, and every result keeps its tool_use_id, so pairing holds.
 * Returns null when under budget.
 */
export function compactOldToolResults(messages: Message[], meter: ContextMeter, budget: number): Compaction | null {
  let tokens = meter.estimate(messages);
  if (tokens <= budget) return null;
  const target = Math.floor(budget * LOW_WATER);
  const toolNames = new Map<string, string>();
  let results = 0;
  let chars = 0;
  for (const [index, message] of messages.slice(0, -1).entries()) {
    if (tokens <= target) break;
    if (message.role === 'assistant') {
      for (const block of message.content) if (block.type === 'tool_use') toolNames.set(block.id, block.name);
      continue;
    }
    for (const block of message.content) {
      if (tokens <= target) break;
      if (block.type !== 'tool_result' || block.content.length < MIN_COMPACTABLE_CHARS) continue;
      const note = compactedNote(block.content.length, toolNames.get(block.tool_use_id) ?? 'tool');
      const saved = block.content.length - note.length;
      meter.shrink(index, saved);
      tokens -= Math.floor(saved / CHARS_PER_TOKEN);
      chars += block.content.length;
      results++;
      block.content = note;
    }
  }
  return { results, chars, tokens };
}
