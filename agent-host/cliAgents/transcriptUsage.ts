import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { ZERO_USAGE, type TokenUsage } from '../../common/protocol/agents';

export interface TranscriptUsage {
  usage: TokenUsage;
  /** The model of the latest assistant message, or null before the first. */
  model: string | null;
  /** Assistant messages (model calls) counted. */
  messages: number;
}

const Tokens = z.number().int().nonnegative();
/** An assistant line of a Claude Code transcript; every other line (user, tool results, summaries) is skipped. */
const AssistantLine = z.looseObject({
  type: z.literal('assistant'),
  message: z.looseObject({
    id: z.string().min(1),
    model: z.string().optional(),
    usage: z.looseObject({
      input_tokens: Tokens,
      output_tokens: Tokens,
      cache_read_input_tokens: Tokens.nullish(),
      cache_creation_input_tokens: Tokens.nullish(),
    }),
  }),
});

/** Claude Code marks messages it made up itself (an API error shown as a reply) with this model: no tokens were used. */
const SYNTHETIC_MODEL = '<synthetic>';
const CHUNK_BYTES = 1024 * 1024;

/**
 * The token usage in a Claude Code transcript (`transcript_path` of its hooks: JSONL, one line per content block).
 * Claude Code writes several lines per model call, each with that call's usage, so usage is counted once per message
 * id (its latest line). Reads incrementally: each `read()` parses only what was appended since the last one, and a
 * last line still being written is parsed again once it is complete. Only a regular file is read (not a link, a FIFO
 * or a device: the path comes from the agent's hook), and never past the size it had when the read began.
 */
export class TranscriptUsageReader {
  private offset = 0;
  /** Keeps a character cut between two reads whole. */
  private decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly byMessage = new Map<string, TokenUsage>();
  private model: string | null = null;

  constructor(private readonly path: string) {}

  async read(): Promise<TranscriptUsage> {
    const handle = await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new Error(`${this.path} is not a regular file`);
      // Shorter than what was read: another file now (rewritten); count it from the start.
      if (stats.size < this.offset) this.restart();
      const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(1, stats.size - this.offset)));
      while (this.offset < stats.size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, stats.size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.take(this.decoder.write(buffer.subarray(0, bytesRead)));
      }
    } finally {
      await handle.close();
    }
    // A last line without its newline yet is counted if it already parses; it stays pending (usage is by id, so
    // counting it again later changes nothing).
    this.parse(this.partial);
    return this.totals();
  }

  private restart(): void {
    this.offset = 0;
    this.decoder = new StringDecoder('utf8');
    this.partial = '';
    this.byMessage.clear();
    this.model = null;
  }

  private take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.parse(line);
  }

  private parse(line: string): void {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    const parsed = AssistantLine.safeParse(value);
    if (!parsed.success || parsed.data.message.model === SYNTHETIC_MODEL) return;
    const { id, model, usage } = parsed.data.message;
    this.byMessage.set(id, {
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    });
    if (model) this.model = model;
  }

  private totals(): TranscriptUsage {
    const usage = { ...ZERO_USAGE };
    for (const message of this.byMessage.values()) {
      usage.inputTokens += message.inputTokens;
      usage.outputTokens += message.outputTokens;
      usage.cacheReadTokens += message.cacheReadTokens;
      usage.cacheWriteTokens += message.cacheWriteTokens;
    }
    return { usage, model: this.model, messages: this.byMessage.size };
  }
}

/** The usage of a whole transcript, read once. */
export function transcriptUsage(path: string): Promise<TranscriptUsage> {
  return new TranscriptUsageReader(path).read();
}
