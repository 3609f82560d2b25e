// The built-in agent's loop in-process: tools over the streamed fake model, decisions through the host, the context
// budget, and the human at its terminal.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../common/events';
import { runAgent } from './agent';
import { Conversation } from './conversation';
import { TEST_MODEL } from './testing/agentHarness';
import { deferred, idle, lastBlocks, lastSave, savedMessages, useAgentHarnesses, withoutCacheControl, type Block } from './testing/agentTestKit';

const harness = useAgentHarnesses();

describe('the built-in agent loop', () => {
  it('reads, edits and runs a command over the streamed model, then goes idle and exits 0 at end of input', async () => {
    const agent = await harness([
      { content: [{ type: 'text', text: 'Let me look at the file first.' }, { type: 'tool_use', id: 'toolu_read', name: 'read_file', input: { path: 'hello.txt' } }], usage: { input_tokens: 1200, output_tokens: 40 } },
      { content: [{ type: 'tool_use', id: 'toolu_edit', name: 'edit_file', input: { path: 'hello.txt', old_string: 'Helo', new_string: 'Hello' } }], usage: { input_tokens: 1300, output_tokens: 30 } },
      { content: [{ type: 'tool_use', id: 'toolu_run', name: 'run_command', input: { command: 'cat hello.txt; echo oops >&2; exit 3' } }], usage: { input_tokens: 1400, output_tokens: 20 } },
      { content: [{ type: 'text', text: 'Fixed the greeting in hello.txt.' }], usage: { input_tokens: 1500, output_tokens: 10 } },
    ]);
    writeFileSync(join(agent.worktree, 'hello.txt'), 'Helo, world\n');
    agent.endpoint.costUsd = 0.5;
    const exit = agent.run();
    await agent.endpoint.waitFor('agent.state', (params) => params.status === 'idle');

    expect(readFileSync(join(agent.worktree, 'hello.txt'), 'utf8')).toBe('Hello, world\n');
    const [first, second, third, fourth] = agent.model.requests;
    expect(agent.model.requests).toHaveLength(4);
    expect(first?.body).toMatchObject({ model: TEST_MODEL, max_tokens: 1024, stream: true });
    expect(first?.body?.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Fix the greeting.', cache_control: { type: 'ephemeral' } }] }]);
    // Prompt caching: the system block and the last tool carry the breakpoints, so both are cached together.
    expect(first?.body?.system).toEqual([{ type: 'text', text: expect.stringContaining('You are builder-1'), cache_control: { type: 'ephemeral' } }]);
    const tools = first?.body?.tools as { name: string; cache_control?: unknown; input_schema: Record<string, unknown> }[];
    expect(tools.map((tool) => tool.name)).toEqual([
      'read_file',
      'write_file',
      'edit_file',
      'list_files',
      'search',
      'run_command',
      'report_progress',
      'ask_human',
      'escalate',
      'checkpoint',
      'submit_plan',
    ]);
    expect(tools.map((tool) => tool.cache_control ?? null)).toEqual([...Array(10).fill(null), { type: 'ephemeral' }]);
    expect(tools[2]?.input_schema).toMatchObject({ type: 'object', required: ['path', 'old_string', 'new_string'] });
    expect(tools[2]?.input_schema).not.toHaveProperty('$schema');
    expect(lastBlocks(second)[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_read', content: 'Helo, world\n' });
    expect(lastBlocks(third)[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_edit' });
    expect(lastBlocks(third)[0]?.is_error).toBeUndefined();
    expect(lastBlocks(fourth)[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_run', is_error: true });
    expect(lastBlocks(fourth)[0]?.content).toContain('Hello, world\noops\n[exit code 3]');

    const calls = agent.endpoint.of('tool.decide');
    expect(calls.map((call) => [call.callId, call.tool])).toEqual([
      ['toolu_read', 'read_file'],
      ['toolu_edit', 'edit_file'],
      ['toolu_run', 'run_command'],
    ]);
    expect(agent.endpoint.of('tool.done').map((done) => [done.callId, done.ok])).toEqual([
      ['toolu_read', true],
      ['toolu_edit', true],
      ['toolu_run', false],
    ]);
    expect(agent.endpoint.of('agent.usage')).toEqual([1200, 1300, 1400, 1500].map((input, index) => ({
      model: TEST_MODEL,
      usage: { inputTokens: input, outputTokens: [40, 30, 20, 10][index], cacheReadTokens: 0, cacheWriteTokens: 0 },
    })));
    expect(agent.endpoint.of('agent.state').map((state) => state.status)).toEqual(['working', 'idle']);

    const out = agent.output();
    expect(out).toContain('Let me look at the file first.');
    expect(out).toContain('→ run_command {"command":"cat hello.txt; echo oops >&2; exit 3"}');
    expect(out).toContain('Fixed the greeting in hello.txt.');
    expect(out).toContain('$0.5000 so far');
    agent.stdin.end();
    expect(await exit).toBe(0);
  });
});

describe('tool calls through the host', () => {
  it('gives a denied call to the model as a tool error with the reason, without running it', async () => {
    const agent = await harness([
      { content: [{ type: 'tool_use', id: 'toolu_rm', name: 'run_command', input: { command: 'touch ran.txt' } }] },
      { content: [{ type: 'text', text: 'Understood.' }] },
    ]);
    agent.endpoint.decide = ({ tool }) =>
      tool === 'run_command' ? { decision: 'deny', reason: 'commands are not allowed in this step', rule: 'policy.commands' } : { decision: 'allow', reason: null, rule: 'x' };
    const exit = agent.run();
    await idle(agent);

    const [result] = lastBlocks(agent.model.requests[1]);
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_rm', is_error: true });
    expect(result?.content).toBe('Denied by the host (rule policy.commands): commands are not allowed in this step. The tool did not run.');
    expect(existsSync(join(agent.worktree, 'ran.txt'))).toBe(false);
    expect(agent.endpoint.of('tool.decide')).toEqual([{ callId: 'toolu_rm', tool: 'run_command', input: { command: 'touch ran.txt' } }]);
    expect(agent.endpoint.of('tool.done')).toEqual([]);
    expect(agent.output()).toContain('✗ Denied by the host');
    agent.stdin.end();
    expect(await exit).toBe(0);
  });

  it('decides an invalid call first, then tells the model which field is wrong', async () => {
    const agent = await harness([
      { content: [{ type: 'tool_use', id: 'toolu_bad', name: 'edit_file', input: { path: 'a.txt', old_string: 'x' } }] },
      { content: [{ type: 'tool_use', id: 'toolu_ghost', name: 'delete_everything', input: {} }] },
      { content: [{ type: 'text', text: 'Done.' }] },
    ]);
    const exit = agent.run();
    await idle(agent);

    expect(agent.endpoint.of('tool.decide').map((call) => call.callId)).toEqual(['toolu_bad', 'toolu_ghost']);
    const [invalid] = lastBlocks(agent.model.requests[1]);
    expect(invalid).toMatchObject({ tool_use_id: 'toolu_bad', is_error: true });
    expect(invalid?.content).toMatch(/^Invalid input for edit_file: new_string: /);
    const [unknown] = lastBlocks(agent.model.requests[2]);
    expect(unknown?.content).toMatch(/^There is no tool delete_everything; the tools are read_file, write_file, /);
    expect(agent.endpoint.of('tool.done').map((done) => [done.callId, done.ok, done.summary.split(':')[0]])).toEqual([
      ['toolu_bad', false, 'invalid input'],
      ['toolu_ghost', false, 'unknown tool'],
    ]);
    agent.stdin.end();
    expect(await exit).toBe(0);
  });

  it('blocks in ask_human until the endpoint answers, and gives the answer to the model', async () => {
    const agent = await harness([
      { content: [{ type: 'tool_use', id: 'toolu_ask', name: 'ask_human', input: { question: 'Tabs or spaces?', options: ['tabs', 'spaces'] } }] },
      { content: [{ type: 'tool_use', id: 'toolu_progress', name: 'report_progress', input: { message: 'Reformatting with spaces.' } }] },
      { content: [{ type: 'text', text: 'Spaces it is.' }] },
    ]);
    const answer = deferred<{ answer: string; by: string }>();
    agent.endpoint.ask = () => answer.promise;
    const exit = agent.run();
    const asked = await agent.endpoint.waitFor('agent.ask');

    expect(asked).toEqual({ kind: 'ask_human', input: { question: 'Tabs or spaces?', options: ['tabs', 'spaces'] } });
    expect(agent.model.requests).toHaveLength(1);
    expect(agent.endpoint.of('tool.done')).toEqual([]);
    answer.resolve({ answer: 'spaces, 2 of them', by: 'lead' });
    await idle(agent);

    expect(lastBlocks(agent.model.requests[1])[0]).toMatchObject({ tool_use_id: 'toolu_ask', content: 'Answer from lead:\nspaces, 2 of them' });
    expect(agent.endpoint.of('agent.progress')).toEqual([{ message: 'Reformatting with spaces.' }]);
    expect(agent.endpoint.of('tool.done').map((done) => done.callId)).toEqual(['toolu_ask', 'toolu_progress']);
    agent.stdin.end();
    expect(await exit).toBe(0);
  });
});

describe('the context budget', () => {
  it('compacts old tool results before a call that would pass the budget, keeping pairs and the newest results', async () => {
    const command = (id: string, char: string) => ({
      content: [{ type: 'tool_use' as const, id, name: 'run_command', input: { command: `head -c 6000 /dev/zero | tr '\\0' ${char}` } }],
    });
    const agent = await harness([command('toolu_1', 'a'), command('toolu_2', 'b'), command('toolu_3', 'c'), { content: [{ type: 'text', text: 'Done.' }] }], {
      limits: { maxTurns: 20, maxTokens: 1024, contextTokens: 3500 },
    });
    const exit = agent.run();
    await idle(agent);

    const last = agent.model.requests[3]?.body?.messages as { role: string; content: Block[] }[];
    const results = last.flatMap((message) => message.content).filter((block) => block.type === 'tool_result');
    expect(results.map((block) => block.tool_use_id)).toEqual(['toolu_1', 'toolu_2', 'toolu_3']);
    expect(results[0]?.content).toBe('[compacted: 6014 chars of run_command output; re-run the tool if needed]');
    expect(results[2]?.content).toBe(`${'c'.repeat(6000)}\n[exit code 0]`);
    // Every call still has its result right after it: the API would refuse anything else.
    expect(() => Conversation.restore({ version: 1, messages: withoutCacheControl(last) })).not.toThrow();
    expect(agent.output()).toMatch(/context ~\d+ tokens is over the budget of 3500: compacted \d old tool result/);
    expect(JSON.stringify(savedMessages(agent))).toContain('[compacted: 6014 chars of run_command output');
    agent.stdin.end();
    expect(await exit).toBe(0);
  });
});

describe('the human at the terminal and through Flightdeck', () => {
  it('takes a typed line or a sent message, whichever comes first, and keeps an early sent message for the next prompt', async () => {
    const agent = await harness([
      { content: [{ type: 'text', text: 'Ready.' }] },
      { content: [{ type: 'text', text: 'Got the typed line.' }] },
      { content: [{ type: 'text', text: 'Got the sent one.' }] },
    ]);
    const exit = agent.run();
    await idle(agent);
    agent.stdin.write('please add tests\n');
    await idle(agent, 2);
    expect(lastBlocks(agent.model.requests[1])).toMatchObject([{ type: 'text', text: 'please add tests' }]);
    // The agent.nextMessage of the first prompt is still open; a message sent now is taken from it.
    expect(agent.endpoint.of('agent.nextMessage')).toHaveLength(1);
    agent.endpoint.send('and run them', 'alice');
    await idle(agent, 3);
    expect(lastBlocks(agent.model.requests[2])).toMatchObject([{ type: 'text', text: 'and run them' }]);
    expect(agent.output()).toContain('[message from alice] and run them');
    expect(agent.output()).toContain('typing is read only at this prompt');
    agent.stdin.end();
    expect(await exit).toBe(0);
  });

  it('stops with code 3 when the turn budget is spent, the conversation saved', async () => {
    const agent = await harness([{ content: [{ type: 'tool_use', id: 'toolu_1', name: 'list_files', input: {} }] }], {
      limits: { maxTurns: 2, maxTokens: 1024, contextTokens: 100_000 },
      turns: 1,
    });
    expect(await agent.run()).toBe(3);
    expect(agent.model.requests).toHaveLength(1);
    expect(agent.output()).toContain('The turn budget is spent: 2 of 2 model calls made.');
    expect(lastSave(agent).turns).toBe(2);
    expect(savedMessages(agent).at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] });
  });

  it('prints a model API error, goes idle with the conversation unchanged, and retries on Enter', async () => {
    const agent = await harness([
      { error: { status: 400, type: 'invalid_request_error', message: 'prompt is too long' } },
      { content: [{ type: 'text', text: 'Second time lucky.' }] },
    ]);
    const exit = agent.run();
    await idle(agent);
    expect(agent.output()).toMatch(/model call failed: HTTP 400 invalid_request_error: prompt is too long \(request req_\w+\)/);
    expect(savedMessages(agent)).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Fix the greeting.' }] }]);
    expect(agent.endpoint.of('agent.usage')).toEqual([]);

    agent.stdin.write('\n');
    await idle(agent, 2);
    expect(agent.output()).toContain('Enter retries the last message');
    expect(agent.model.requests[1]?.body?.messages).toEqual(agent.model.requests[0]?.body?.messages);
    expect(agent.output()).toContain('Second time lucky.');
    agent.stdin.end();
    expect(await exit).toBe(0);
  });

  it('lets the SDK retry an overloaded API, saying so, and counts the call once', async () => {
    const agent = await harness([
      { error: { status: 529, type: 'overloaded_error', retryAfter: 0.01 } },
      { content: [{ type: 'text', text: 'Made it.' }], usage: { input_tokens: 10, output_tokens: 3 } },
    ]);
    const exit = agent.run();
    await idle(agent);
    expect(agent.model.requests).toHaveLength(2);
    expect(agent.output()).toContain('model API answered HTTP 529; retrying (attempt 2 of 5)…');
    expect(agent.output()).toContain('Made it.');
    expect(agent.endpoint.of('agent.usage')).toHaveLength(1);
    expect(lastSave(agent).turns).toBe(1);
    agent.stdin.end();
    expect(await exit).toBe(0);
  });

  it('interrupts a turn on Ctrl-C: the running command is killed and the agent goes idle', async () => {
    const agent = await harness([{ content: [{ type: 'tool_use', id: 'toolu_slow', name: 'run_command', input: { command: 'sleep 60' } }] }]);
    const exit = agent.run();
    await agent.endpoint.waitFor('tool.decide');
    agent.signals.emit('SIGINT');
    await idle(agent);
    expect(agent.model.requests).toHaveLength(1);
    expect(savedMessages(agent).at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_slow', is_error: true }] });
    expect(agent.output()).toContain('interrupted');
    agent.stdin.end();
    expect(await exit).toBe(0);
  });

  it('stops with 143 on SIGTERM', async () => {
    const agent = await harness([{ content: [{ type: 'text', text: 'Hello.' }] }]);
    const exit = agent.run();
    await idle(agent);
    agent.signals.emit('SIGTERM');
    expect(await exit).toBe(143);
    expect(agent.output()).toContain('SIGTERM: stopping.');
  });

  it('exits 1 when the endpoint closes', async () => {
    const agent = await harness([{ content: [{ type: 'text', text: 'Hello.' }] }]);
    const exit = agent.run();
    await idle(agent);
    agent.endpoint.disconnect();
    expect(await exit).toBe(1);
    expect(agent.output()).toContain('the agent endpoint closed');
  });

  it('exits 2 without its endpoint variables', async () => {
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    expect(await runAgent({ env: {}, stdin: new PassThrough(), stdout, signals: new Emitter() })).toBe(2);
    expect(printed).toContain('FLIGHTDECK_AGENT_SOCKET and FLIGHTDECK_AGENT_TOKEN are not set');
  });
});
