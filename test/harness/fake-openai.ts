// The stand-in for Codex's model: a local server speaking OpenAI's Responses API (JSON and SSE) with scripted turns,
// reached through the real CLI via its provider's base_url, as an on-prem gateway would be. fake-anthropic's twin.
import type { ServerResponse } from 'node:http';
import { chunks, estimateTokens, newId, receivedRequests, recordingServer, sendJson, sseStream, type Recorded } from './recordingServer';

export const FAKE_OPENAI_KEY = 'sk-fake-openai-test-key';

export type ScriptedItem =
  | { type: 'message'; text: string }
  /**
   * A JSON function tool (Codex: exec_command), arguments sent as the JSON string the API sends; a tool found by a tool
   * search is named within its namespace (Codex: namespace `mcp__<server>`, name `<tool>`).
   */
  | { type: 'function_call'; name: string; namespace?: string; arguments: Record<string, unknown>; call_id?: string }
  /** A freeform tool (Codex: apply_patch), whose input is plain text. */
  | { type: 'custom_tool_call'; name: string; input: string; call_id?: string }
  /** A search of the client's deferred tools (Codex defers MCP tools behind it); the client answers tool_search_output. */
  | { type: 'tool_search_call'; arguments: { query: string; limit?: number }; call_id?: string };

export interface ScriptedResponse {
  output: ScriptedItem[];
  /** Default: estimated (about 4 characters a token). */
  usage?: { input_tokens?: number; output_tokens?: number; cached_tokens?: number };
  /** Pause between streamed events. Default 0. */
  eventDelayMs?: number;
}

export interface ScriptedError {
  error: { status: number; message?: string; type?: string; code?: string };
}

export interface ResponsesRequestBody {
  model: string;
  input: Array<Record<string, unknown>>;
  instructions?: string;
  tools?: Array<Record<string, unknown>>;
  stream?: boolean;
  [key: string]: unknown;
}

export type RecordedRequest = Recorded<ResponsesRequestBody>;

export type ScriptedTurn = ScriptedResponse | ScriptedError | ((request: RecordedRequest) => ScriptedResponse | ScriptedError);

export interface FakeOpenAIOptions {
  apiKey?: string;
  /** Size of the text and argument pieces a stream is cut into. Default 7. */
  chunkSize?: number;
}

export interface FakeOpenAI {
  /** The base URL, `/v1` included, as a provider's base_url names it. */
  url: string;
  requests: RecordedRequest[];
  /** The POST /v1/responses requests only (clients also probe other paths). */
  responsesRequests(): RecordedRequest[];
  remaining(): number;
  /** Resolves once `count` requests (of any path) have been received; rejects after `timeoutMs`. */
  receivedRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Called after each request is recorded and its scripted turn has run; returns the unsubscribe. */
  onRequest(listener: () => void): () => void;
  close(): Promise<void>;
}



function errorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

const OUTPUT_TYPES = new Set(['function_call_output', 'custom_tool_call_output', 'tool_search_output']);

/** The outputs of tool calls a request carries (a tool search's: the tools it found, as JSON), by call id. */
export function toolOutputs(request: RecordedRequest): Map<string, string> {
  const outputs = new Map<string, string>();
  for (const item of request.body?.input ?? []) {
    if (OUTPUT_TYPES.has(String(item.type)) && typeof item.call_id === 'string') {
      const output = item.type === 'tool_search_output' ? item.tools : item.output;
      outputs.set(item.call_id, typeof output === 'string' ? output : JSON.stringify(output));
    }
  }
  return outputs;
}

/** The API's item for a scripted one (ids filled in, arguments as a JSON string). */
function toApiItem(item: ScriptedItem) {
  switch (item.type) {
    case 'message':
      return {
        type: 'message' as const,
        id: newId('msg'),
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: item.text, annotations: [] }],
      };
    case 'function_call':
      return {
        type: 'function_call' as const,
        id: newId('fc'),
        status: 'completed',
        call_id: item.call_id ?? newId('call'),
        ...(item.namespace === undefined ? {} : { namespace: item.namespace }),
        name: item.name,
        arguments: JSON.stringify(item.arguments),
      };
    case 'custom_tool_call':
      return { type: 'custom_tool_call' as const, id: newId('ctc'), status: 'completed', call_id: item.call_id ?? newId('call'), name: item.name, input: item.input };
    case 'tool_search_call':
      return { type: 'tool_search_call' as const, id: newId('tsc'), status: 'completed', call_id: item.call_id ?? newId('call'), execution: 'client', arguments: item.arguments };
  }
}

type ApiItem = ReturnType<typeof toApiItem>;

export async function fakeOpenAI(script: ScriptedTurn[], options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const apiKey = options.apiKey ?? FAKE_OPENAI_KEY;
  const chunkSize = options.chunkSize ?? 7;
  const turns = [...script];
  const requests: RecordedRequest[] = [];

  async function handle(request: RecordedRequest, res: ServerResponse): Promise<void> {
    res.setHeader('x-request-id', newId('req'));
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      return sendJson(res, 401, errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    }
    if (request.method !== 'POST' || request.path !== '/v1/responses') {
      return sendJson(res, 404, errorBody(`Not found: ${request.method} ${request.path}`, 'invalid_request_error', null));
    }
    const body = request.body;
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.input)) {
      return sendJson(res, 400, errorBody('model and input are required', 'invalid_request_error', null));
    }
    const next = turns.shift();
    if (next === undefined) {
      // A 400 is not retried: an exhausted script is a test bug, and retries would only hide it.
      return sendJson(res, 400, errorBody(`fake-openai: script exhausted after ${script.length} turns`, 'invalid_request_error', null));
    }
    const turn = typeof next === 'function' ? next(request) : next;
    if ('error' in turn) {
      const { status, message, type, code } = turn.error;
      return sendJson(res, status, errorBody(message ?? `error ${status}`, type ?? 'server_error', code ?? null));
    }

    const output = turn.output.map(toApiItem);
    const inputTokens = turn.usage?.input_tokens ?? estimateTokens([body.instructions, body.input, body.tools]);
    const outputTokens = turn.usage?.output_tokens ?? estimateTokens(output);
    const usage = {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: turn.usage?.cached_tokens ?? 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputTokens,
    };
    const response = { id: newId('resp'), object: 'response', created_at: Math.floor(Date.now() / 1000), model: body.model };
    if (!body.stream) return sendJson(res, 200, { ...response, status: 'completed', output, usage });

    const stream = sse(res, turn.eventDelayMs ?? 0);
    await stream.send({ type: 'response.created', response: { ...response, status: 'in_progress', output: [] } });
    for (const [index, item] of output.entries()) await streamItem(stream, index, item, chunkSize);
    await stream.send({ type: 'response.completed', response: { ...response, status: 'completed', output, usage } });
    stream.end();
  }

  const server = await recordingServer<ResponsesRequestBody>(requests, handle);
  return {
    url: `${server.origin}/v1`,
    requests,
    responsesRequests: () => requests.filter((request) => request.method === 'POST' && request.path === '/v1/responses'),
    remaining: () => turns.length,
    receivedRequests: (count, timeoutMs = 60_000) => receivedRequests(server, requests, count, timeoutMs),
    onRequest: (listener) => server.onRequest(listener),
    close: () => server.close(),
  };
}

async function streamItem(stream: ReturnType<typeof sse>, output_index: number, item: ApiItem, chunkSize: number): Promise<void> {
  const item_id = item.id;
  if (item.type === 'message') {
    const text = item.content[0]!.text;
    await stream.send({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', content: [] } });
    for (const delta of chunks(text, chunkSize)) {
      await stream.send({ type: 'response.output_text.delta', item_id, output_index, content_index: 0, delta });
    }
    await stream.send({ type: 'response.output_text.done', item_id, output_index, content_index: 0, text });
  } else if (item.type === 'function_call') {
    await stream.send({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', arguments: '' } });
    for (const delta of chunks(item.arguments, chunkSize)) {
      await stream.send({ type: 'response.function_call_arguments.delta', item_id, output_index, delta });
    }
    await stream.send({ type: 'response.function_call_arguments.done', item_id, output_index, arguments: item.arguments });
  } else if (item.type === 'custom_tool_call') {
    await stream.send({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', input: '' } });
    for (const delta of chunks(item.input, chunkSize)) {
      await stream.send({ type: 'response.custom_tool_call_input.delta', item_id, output_index, delta });
    }
  }
  await stream.send({ type: 'response.output_item.done', output_index, item });
}


/** The Responses API's stream: each event named by its type and numbered. */
function sse(res: ServerResponse, delayMs: number) {
  const stream = sseStream(res, delayMs);
  let sequence_number = 0;
  return {
    send: (data: { type: string; [key: string]: unknown }): Promise<void> => stream.send(data.type, { ...data, sequence_number: sequence_number++ }),
    end: stream.end,
  };
}
