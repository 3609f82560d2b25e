import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_OPENAI_KEY, fakeOpenAI, toolOutputs, type FakeOpenAI, type ScriptedTurn } from './fake-openai';

const servers: FakeOpenAI[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(script: ScriptedTurn[]): Promise<FakeOpenAI> {
  const server = await fakeOpenAI(script);
  servers.push(server);
  return server;
}

function post(server: FakeOpenAI, body: unknown, key = FAKE_OPENAI_KEY): Promise<Response> {
  return fetch(`${server.url}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The SSE events of a streamed response, parsed. */
async function events(response: Response): Promise<Array<{ type: string; [key: string]: unknown }>> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))!.slice(7);
      const data = JSON.parse(lines.find((line) => line.startsWith('data: '))!.slice(6)) as { type: string };
      expect(data.type).toBe(event);
      return data;
    });
}

const ask = (input: string, stream = true) => ({ model: 'gpt-test', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }], stream });

describe('fakeOpenAI (Responses API)', () => {
  it('answers a non-streaming request with the scripted output and usage, and records it', async () => {
    const server = await serve([{ output: [{ type: 'message', text: 'Hello, lead.' }], usage: { input_tokens: 12, output_tokens: 4 } }]);
    const response = await post(server, ask('hi', false));
    const body = (await response.json()) as { status: string; output: Array<{ type: string; content: Array<{ text: string }> }>; usage: { input_tokens: number } };

    expect(response.status).toBe(200);
    expect(body.status).toBe('completed');
    expect(body.output[0]!.content[0]!.text).toBe('Hello, lead.');
    expect(body.usage.input_tokens).toBe(12);
    expect(server.responsesRequests()).toHaveLength(1);
    expect(server.requests[0]!.body?.model).toBe('gpt-test');
    expect(server.remaining()).toBe(0);
  });

  it('streams text and function-call arguments in pieces that add up, ending with response.completed', async () => {
    const server = await serve([
      {
        output: [
          { type: 'message', text: 'Let me look at the files.' },
          { type: 'function_call', name: 'exec_command', arguments: { cmd: 'ls -la' }, call_id: 'call_1' },
        ],
      },
    ]);
    const received = await events(await post(server, ask('list files')));
    const types = received.map((event) => event.type);

    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    const text = received.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta);
    expect(text.length).toBeGreaterThan(2);
    expect(text.join('')).toBe('Let me look at the files.');
    const args = received.filter((event) => event.type === 'response.function_call_arguments.delta').map((event) => event.delta);
    expect(args.join('')).toBe(JSON.stringify({ cmd: 'ls -la' }));
    const done = received.filter((event) => event.type === 'response.output_item.done').map((event) => event.item);
    expect(done[1]).toMatchObject({ type: 'function_call', name: 'exec_command', call_id: 'call_1', arguments: '{"cmd":"ls -la"}' });
    expect(received.map((event) => event.sequence_number)).toEqual(received.map((_, index) => index));
  });

  it('scripts freeform tool calls, tool searches and namespaced calls', async () => {
    const server = await serve([
      {
        output: [
          { type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n', call_id: 'p1' },
          { type: 'tool_search_call', arguments: { query: 'ask human' }, call_id: 's1' },
          { type: 'function_call', namespace: 'mcp__flightdeck', name: 'ask_human', arguments: { question: 'ok?' }, call_id: 'f1' },
        ],
      },
    ]);
    const items = (await events(await post(server, ask('go')))).filter((event) => event.type === 'response.output_item.done').map((event) => event.item);
    expect(items).toEqual([
      expect.objectContaining({ type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n', call_id: 'p1' }),
      expect.objectContaining({ type: 'tool_search_call', execution: 'client', arguments: { query: 'ask human' }, call_id: 's1' }),
      expect.objectContaining({ type: 'function_call', namespace: 'mcp__flightdeck', name: 'ask_human', call_id: 'f1' }),
    ]);
  });

  it('lets a turn answer the request it gets, and reads the tool outputs a request carries', async () => {
    const server = await serve([
      (request) => {
        const outputs = toolOutputs(request);
        return { output: [{ type: 'message', text: `saw ${outputs.get('call_1')} and ${outputs.get('s1')}` }] };
      },
    ]);
    const input = [
      { type: 'function_call_output', call_id: 'call_1', output: 'exit 0' },
      { type: 'tool_search_output', call_id: 's1', tools: [{ name: 't' }] },
    ];
    const body = (await (await post(server, { model: 'm', input, stream: false })).json()) as { output: Array<{ content: Array<{ text: string }> }> };
    expect(body.output[0]!.content[0]!.text).toBe('saw exit 0 and [{"name":"t"}]');
  });

  it('refuses a wrong key (401) and other paths (404), and says when the script is exhausted (400, not retried)', async () => {
    const server = await serve([{ error: { status: 429, message: 'slow down', type: 'rate_limit_error' } }]);
    expect((await post(server, ask('x'), 'sk-wrong')).status).toBe(401);
    expect((await fetch(`${server.url}/models`, { headers: { authorization: `Bearer ${FAKE_OPENAI_KEY}` } })).status).toBe(404);
    const limited = await post(server, ask('x'));
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { message: string } }).error.message).toBe('slow down');
    const exhausted = await post(server, ask('x'));
    expect(exhausted.status).toBe(400);
    expect(((await exhausted.json()) as { error: { message: string } }).error.message).toContain('script exhausted');
  });
});
