import { describe, expect, it } from 'vitest';
import { compactedNote, compactOldToolResults, ContextMeter } from './contextBudget';
import { Conversation, type Message } from './conversation';

const big = (n: number, char = 'x') => char.repeat(n);

/** A task, then `rounds` of run_command calls each answered with `size` chars. */
function history(rounds: number, size: number): Message[] {
  const messages: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'task' }] }];
  for (let i = 0; i < rounds; i++) {
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `t${i}`, name: i % 2 ? 'read_file' : 'run_command', input: { i } }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: big(size, String(i)) }] });
  }
  return messages;
}

describe('ContextMeter', () => {
  it('estimates about 4 characters a token, system and tools included', () => {
    const meter = new ContextMeter('s'.repeat(398));
    // 400 characters of JSON (398 and the quotes), and 2 of an empty list.
    expect(meter.estimate([])).toBe(101);
  });

  it('takes the last usage as the truth and estimates only what came after', () => {
    const messages = history(2, 4000);
    const meter = new ContextMeter('');
    meter.record({ input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 5000, cache_creation_input_tokens: 300 }, 4);
    const tail = Math.ceil(JSON.stringify(messages.slice(4)).length / 4);
    expect(meter.estimate(messages)).toBe(5420 + tail);
  });
});

describe('compactOldToolResults', () => {
  it('does nothing under the budget', () => {
    const messages = history(3, 1000);
    expect(compactOldToolResults(messages, new ContextMeter(''), 10_000)).toBeNull();
    expect(messages).toEqual(history(3, 1000));
  });

  it('compacts old results oldest first to below the budget, never the newest, keeping every pair', () => {
    const messages = history(6, 4000);
    const compaction = compactOldToolResults(messages, new ContextMeter(''), 4000);
    expect(compaction).toMatchObject({ results: 4, chars: 16_000 });
    expect(compaction!.tokens).toBeLessThanOrEqual(4000);
    const contents = messages
      .filter((message) => message.role === 'user')
      .slice(1)
      .map((message) => message.content.map((block) => (block.type === 'tool_result' ? block.content : '')).join(''));
    expect(contents.slice(0, 4)).toEqual([
      compactedNote(4000, 'run_command'),
      compactedNote(4000, 'read_file'),
      compactedNote(4000, 'run_command'),
      compactedNote(4000, 'read_file'),
    ]);
    expect(contents.slice(4)).toEqual([big(4000, '4'), big(4000, '5')]);
    expect(() => Conversation.restore({ version: 1, messages })).not.toThrow();
  });

  it('leaves the last message alone and says when that is not enough', () => {
    const messages = history(1, 40_000);
    const compaction = compactOldToolResults(messages, new ContextMeter(''), 1000);
    expect(compaction).toEqual({ results: 0, chars: 0, tokens: expect.any(Number) });
    expect(compaction!.tokens).toBeGreaterThan(1000);
    expect(messages).toEqual(history(1, 40_000));
  });

  it('counts measured tokens down as it compacts, so the meter stays consistent', () => {
    const messages = history(4, 8000);
    const meter = new ContextMeter('');
    meter.record({ input_tokens: 9000, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }, 8);
    const before = meter.estimate(messages);
    const compaction = compactOldToolResults(messages, meter, 8000)!;
    expect(compaction.results).toBeGreaterThan(0);
    expect(meter.estimate(messages)).toBe(compaction.tokens);
    expect(meter.estimate(messages)).toBeLessThan(before);
  });
});
