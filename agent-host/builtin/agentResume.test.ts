// The built-in agent's conversation across restarts: saved after every change, resumed from the save, never run twice.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Message, SavedConversation } from './conversation';
import { idle, lastBlocks, lastSave, useAgentHarnesses, withoutCacheControl } from './testing/agentTestKit';

const harness = useAgentHarnesses();

describe('persistence and resume', () => {
  it('saves after every change, and a resumed agent continues with the saved messages', async () => {
    const first = await harness([
      { content: [{ type: 'tool_use', id: 'toolu_list', name: 'list_files', input: {} }] },
      { content: [{ type: 'text', text: 'The worktree is empty.' }] },
    ]);
    const exit = first.run();
    await idle(first);
    first.stdin.end();
    expect(await exit).toBe(0);
    const saves = first.endpoint.of('conversation.save');
    // The task; the first answer; its tool result; the second answer.
    expect(saves.map((save) => [(save.conversation as SavedConversation).messages.length, save.turns])).toEqual([
      [1, 0],
      [2, 1],
      [3, 1],
      [4, 2],
    ]);
    const saved = lastSave(first);

    const resumed = await harness([(request) => ({ content: [{ type: 'text', text: `I see ${request.body?.messages.length} messages.` }] })], {
      conversation: saved.conversation,
      turns: saved.turns,
    });
    const resumedExit = resumed.run();
    // It ended with a finished answer: the agent waits for a human and calls no model.
    await idle(resumed);
    expect(resumed.model.requests).toHaveLength(0);
    resumed.endpoint.send('Add a README.', 'alice');
    await idle(resumed, 2);

    const messages = resumed.model.requests[0]?.body?.messages;
    expect(withoutCacheControl(messages)).toEqual([...(saved.conversation as SavedConversation).messages, { role: 'user', content: [{ type: 'text', text: 'Add a README.' }] }]);
    expect(resumed.output()).toContain('resuming: 4 messages, 2 of 20 model calls used');
    expect(resumed.output()).toContain('[message from alice] Add a README.');
    expect(resumed.output()).toContain('I see 5 messages.');
    expect(lastSave(resumed).turns).toBe(3);
    resumed.stdin.end();
    expect(await resumedExit).toBe(0);
  });

  it('calls the model at once when the saved conversation ends with a user message', async () => {
    const messages: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'Rename foo to bar.' }] }];
    const agent = await harness([{ content: [{ type: 'text', text: 'On it.' }] }], { conversation: { version: 1, messages }, turns: 3 });
    const exit = agent.run();
    await idle(agent);
    expect(withoutCacheControl(agent.model.requests[0]?.body?.messages)).toEqual(messages);
    expect(agent.endpoint.of('agent.state').map((state) => state.status)).toEqual(['working', 'idle']);
    agent.stdin.end();
    expect(await exit).toBe(0);
  });

  it('answers calls cut off by a kill as interrupted instead of running them again', async () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'Clean up.' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_done', name: 'run_command', input: { command: 'echo one' } },
          { type: 'tool_use', id: 'toolu_cut', name: 'run_command', input: { command: 'touch twice.txt' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_done', content: 'one\n[exit code 0]' }] },
    ];
    const agent = await harness([{ content: [{ type: 'text', text: 'I will check.' }] }], { conversation: { version: 1, messages }, turns: 1 });
    const exit = agent.run();
    await idle(agent);

    expect(agent.endpoint.of('tool.decide')).toEqual([]);
    expect(existsSync(join(agent.worktree, 'twice.txt'))).toBe(false);
    const blocks = lastBlocks(agent.model.requests[0]);
    expect(blocks.map((block) => [block.tool_use_id, block.is_error ?? false])).toEqual([
      ['toolu_done', false],
      ['toolu_cut', true],
    ]);
    expect(blocks[1]?.content).toContain('Interrupted');
    expect(agent.output()).toContain('1 tool call(s) were cut off by the restart');
    agent.stdin.end();
    expect(await exit).toBe(0);
  });

  it('refuses to start from an invalid saved conversation', async () => {
    const agent = await harness([], { conversation: { version: 1, messages: [{ role: 'assistant', content: [{ type: 'text', text: 'hi' }] }] } });
    expect(await agent.run()).toBe(2);
    expect(agent.output()).toContain('the saved conversation is invalid: messages: message 0 should be a user message. Not starting.');
  });
});
