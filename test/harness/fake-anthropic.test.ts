import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { apiKeyOf, FAKE_API_KEY, fakeAnthropic, type FakeAnthropic, type ScriptedTurn } from './fake-anthropic';

const MODEL = 'claude-test-model';
const servers: FakeAnthropic[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(script: ScriptedTurn[]): Promise<FakeAnthropic> {
  const server = await fakeAnthropic(script);
  servers.push(server);
  return server;
}

const sdk = (server: FakeAnthropic, options: { maxRetries?: number; apiKey?: string } = {}) =>
  new Anthropic({ apiKey: options.apiKey ?? FAKE_API_KEY, baseURL: server.url, maxRetries: options.maxRetries ?? 0 });

const ask = (text: string) => ({ model: MODEL, max_tokens: 256, messages: [{ role: 'user' as const, content: text }] });

describe('fakeAnthropic through the real SDK', () => {
  it('answers a non-streaming request and records what the SDK sent', async () => {
    const server = await serve([{ content: [{ type: 'text', text: 'Hello, lead.' }], usage: { input_tokens: 12, output_tokens: 4 } }]);
    const message = await sdk(server).messages.create(ask('hi'));

    expect(message.content).toEqual([{ type: 'text', text: 'Hello, lead.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBe(12);
    expect(message.usage.output_tokens).toBe(4);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(apiKeyOf(request!.headers)).toBe(FAKE_API_KEY);
    expect(request?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request?.body?.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(request?.body?.model).toBe(MODEL);
    expect(server.remaining()).toBe(0);
  });

  it('streams text deltas that add up to the final message', async () => {
    const text = 'Streaming works in many small pieces.';
    const server = await serve([{ content: [{ type: 'text', text }] }]);
    const deltas: string[] = [];
    const stream = sdk(server).messages.stream(ask('stream please'));
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();

    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(text);
    expect(message.content).toEqual([{ type: 'text', text }]);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(server.requests[0]?.body?.stream).toBe(true);
  });

  it('streams a tool_use turn with its input JSON in partial chunks', async () => {
    const input = { command: 'ls -la', cwd: '/work/repo', timeout_ms: 5000 };
    const server = await serve([
      { content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'toolu_1', name: 'bash', input }] },
      (request) => {
        const last = request.body?.messages.at(-1);
        return { content: [{ type: 'text', text: `got ${JSON.stringify(last?.content)}` }] };
      },
    ]);
    const client = sdk(server);
    const partials: string[] = [];
    const stream = client.messages.stream({ ...ask('list files'), tools: [{ name: 'bash', input_schema: { type: 'object' } }] });
    stream.on('inputJson', (partial) => partials.push(partial));
    const message = await stream.finalMessage();

    expect(partials.length).toBeGreaterThan(2);
    expect(partials.join('')).toBe(JSON.stringify(input));
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[1]).toEqual({ type: 'tool_use', id: 'toolu_1', name: 'bash', input });

    const reply = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      messages: [
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'README.md' }] },
      ],
    });
    expect(reply.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('README.md') });
  });

  it('sends 429 with retry-after, which the SDK honours and retries', async () => {
    const server = await serve([
      { error: { status: 429, type: 'rate_limit_error', retryAfter: 1 } },
      { content: [{ type: 'text', text: 'after the wait' }] },
    ]);
    const message = await sdk(server, { maxRetries: 2 }).messages.create(ask('hi'));

    expect(message.content).toEqual([{ type: 'text', text: 'after the wait' }]);
    expect(server.requests).toHaveLength(2);
    const [first, retry] = server.requests;
    expect(retry?.headers['x-stainless-retry-count']).toBe('1');
    expect(retry!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it('surfaces 529 overloaded as an APIError when retries are off', async () => {
    const server = await serve([{ error: { status: 529, type: 'overloaded_error' } }]);
    const failure = await sdk(server).messages.create(ask('hi')).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).status).toBe(529);
    expect((failure as APIError).type).toBe('overloaded_error');
    expect((failure as APIError).requestID).toMatch(/^req_/);
  });

  it('rejects a wrong API key and an invalid request the way the API does', async () => {
    const server = await serve([{ content: [{ type: 'text', text: 'unused' }] }]);
    await expect(sdk(server, { apiKey: 'wrong' }).messages.create(ask('hi'))).rejects.toMatchObject({
      status: 401,
      type: 'authentication_error',
    });
    await expect(sdk(server).messages.create({ model: MODEL, max_tokens: 10, messages: [] })).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
    });
    expect(server.remaining()).toBe(1);

    // Clients that authenticate with the x-api-key header (curl, gateways) are accepted too.
    const response = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': FAKE_API_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(ask('raw')),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'unused' }] });
    expect(server.remaining()).toBe(0);
  });

  it('can fail mid-stream with an SSE error event', async () => {
    const server = await serve([{ error: { status: 529, type: 'overloaded_error', midStream: true } }]);
    await expect(sdk(server).messages.stream(ask('hi')).finalMessage()).rejects.toMatchObject({ type: 'overloaded_error' });
  });
});
