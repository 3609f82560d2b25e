import { describe, expect, it } from 'vitest';
import { Conversation, type Message } from './conversation';

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const calls = (...ids: string[]): Message => ({
  role: 'assistant',
  content: ids.map((id) => ({ type: 'tool_use', id, name: 'read_file', input: { path: `${id}.txt` } })),
});
const results = (...ids: string[]): Message => ({
  role: 'user',
  content: ids.map((id) => ({ type: 'tool_result', tool_use_id: id, content: `content of ${id}` })),
});
const saved = (...messages: Message[]) => ({ version: 1, messages });

describe('Conversation.restore', () => {
  it('takes back what toJSON saved', () => {
    const conversation = Conversation.restore(saved(user('task'), calls('a'), results('a')));
    expect(Conversation.restore(JSON.parse(JSON.stringify(conversation.toJSON()))).messages).toEqual(conversation.messages);
  });

  it('refuses a wrong shape, saying where', () => {
    expect(() => Conversation.restore({ version: 2, messages: [] })).toThrow('the saved conversation is invalid: version');
    expect(() => Conversation.restore(saved({ role: 'user', content: 'plain string' } as never))).toThrow('messages.0.content');
    expect(() => Conversation.restore(saved(user('a'), { role: 'assistant', content: [{ type: 'image' }] } as never))).toThrow('messages.1');
  });

  it('refuses broken pairing and order', () => {
    expect(() => Conversation.restore(saved(calls('a')))).toThrow('message 0 should be a user message');
    expect(() => Conversation.restore(saved(user('a'), calls('a'), results('b')))).toThrow('result for b, which the previous message did not call');
    expect(() => Conversation.restore(saved(user('a'), calls('a', 'b'), results('a'), calls('c')))).toThrow('1 tool calls unanswered');
    expect(() =>
      Conversation.restore(saved(user('a'), calls('a'), { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'tool_result', tool_use_id: 'a', content: '' }] })),
    ).toThrow('tool results must come before text');
  });
});

describe('Conversation after a restart', () => {
  it('answers calls that lost their results as interrupted errors, keeping the results it has', () => {
    const conversation = Conversation.restore(saved(user('task'), calls('a', 'b', 'c'), results('a')));
    expect(conversation.unansweredCalls().map((call) => call.id)).toEqual(['b', 'c']);
    expect(conversation.repairInterrupted()).toBe(2);
    const last = conversation.last!;
    expect(last.content.map((block) => (block.type === 'tool_result' ? [block.tool_use_id, block.is_error ?? false] : null))).toEqual([
      ['a', false],
      ['b', true],
      ['c', true],
    ]);
    expect(last.content[1]).toMatchObject({ content: expect.stringContaining('Interrupted: the agent stopped while this call was running') });
    expect(conversation.repairInterrupted()).toBe(0);
    expect(() => Conversation.restore(conversation.toJSON())).not.toThrow();
  });

  it('answers an assistant message whose calls have no results at all', () => {
    const conversation = Conversation.restore(saved(user('task'), calls('a')));
    expect(conversation.repairInterrupted()).toBe(1);
    expect(conversation.messages).toHaveLength(3);
    expect(conversation.last).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', is_error: true }] });
  });
});

describe('Conversation appends', () => {
  it('joins a human text to a trailing user message (a retry after a failed call) instead of a second user turn', () => {
    const conversation = Conversation.empty();
    conversation.appendUserText('task');
    conversation.appendUserText('also this');
    expect(conversation.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'task' }, { type: 'text', text: 'also this' }] }]);
  });

  it('refuses a result for a call that was not made or was answered', () => {
    const conversation = Conversation.restore(saved(user('task'), calls('a')));
    conversation.addToolResult({ type: 'tool_result', tool_use_id: 'a', content: 'x' });
    expect(() => conversation.addToolResult({ type: 'tool_result', tool_use_id: 'a', content: 'x' })).toThrow('no unanswered tool call a');
    expect(() => conversation.appendAssistant([{ type: 'text', text: 'hi' }])).not.toThrow();
    expect(() => conversation.appendAssistant([{ type: 'text', text: 'again' }])).toThrow('must follow a user message');
  });
});
