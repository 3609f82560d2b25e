// The one stand-in of the test suite: a local server speaking the Anthropic Messages API (JSON and SSE) with
// scripted turns, reached through the real SDK via its base URL, exactly as an on-prem gateway would be.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { chunks, estimateTokens, newId, receivedRequests, recordingServer, sendJson, sseStream, type Recorded } from './recordingServer';

export const FAKE_API_KEY = 'sk-ant-fake-test-key';

export type ScriptedBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

export interface ScriptedResponse {
  content: ScriptedBlock[];
  /** Default: 'tool_use' when a tool_use block is present, else 'end_turn'. */
  stop_reason?: StopReason;
  /** Default: estimated from the request and the content (about 4 characters a token). */
  usage?: { input_tokens?: number; output_tokens?: number };
  /** Pause between streamed events, to let a test act while a stream is open. Default 0. */
  eventDelayMs?: number;
}

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

export interface ScriptedError {
  error: {
    status: number;
    type: ErrorType;
    message?: string;
    /** Seconds, sent as the retry-after header (the real API sends it on 429). */
    retryAfter?: number;
    /** Emit it as an SSE `error` event after message_start instead of an HTTP error (streaming requests only). */
    midStream?: boolean;
  };
}

export type RecordedRequest = Recorded<MessagesRequestBody>;

export interface MessagesRequestBody {
  model: string;
  max_tokens: number;
  messages: Array<{ role: string; content: unknown }>;
  system?: unknown;
  tools?: unknown[];
  stream?: boolean;
  [key: string]: unknown;
}

/** A turn is a fixed response or error, or a function of the request (e.g. to answer a tool result). */
/** A function turn may answer later (a promise): the request waits, as a slow model would make it. */
export type ScriptedTurn =
  | ScriptedResponse
  | ScriptedError
  | ((request: RecordedRequest) => ScriptedResponse | ScriptedError | Promise<ScriptedResponse | ScriptedError>);

export interface FakeAnthropicOptions {
  apiKey?: string;
  /** Size of the text and partial-JSON pieces a stream is cut into. Default 7 (small, so several deltas arrive). */
  chunkSize?: number;
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  /** Scripted turns not consumed yet. */
  remaining(): number;
  /** Resolves once `count` requests (of any path) have been received; rejects after `timeoutMs`. */
  receivedRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Called after each request is recorded and its scripted turn has run; returns the unsubscribe. */
  onRequest(listener: () => void): () => void;
  close(): Promise<void>;
}

const DEFAULT_MESSAGES: Record<ErrorType, string> = {
  invalid_request_error: 'Invalid request.',
  authentication_error: 'invalid x-api-key',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'The requested resource could not be found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'This request would exceed the rate limit for your organization. Please retry later.',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
};

/** The key a request authenticated with: SDK 1.x sends `authorization: Bearer <key>`, older clients `x-api-key`. */
export function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const apiKeyHeader = headers['x-api-key'];
  if (typeof apiKeyHeader === 'string') return apiKeyHeader;
  return /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
}


function errorBody(type: ErrorType, message: string, requestId: string) {
  return { type: 'error', error: { type, message }, request_id: requestId };
}


function requestError(body: MessagesRequestBody | undefined): string | undefined {
  if (!body) return 'The request body is not valid JSON.';
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  return undefined;
}

function toApiBlock(block: ScriptedBlock) {
  return block.type === 'text'
    ? { type: 'text', text: block.text }
    : { type: 'tool_use', id: block.id ?? newId('toolu'), name: block.name, input: block.input };
}

export async function fakeAnthropic(script: ScriptedTurn[], options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  const chunkSize = options.chunkSize ?? 7;
  const turns = [...script];
  const requests: RecordedRequest[] = [];

  async function handle(request: RecordedRequest, res: ServerResponse): Promise<void> {
    const requestId = newId('req');
    res.setHeader('request-id', requestId);
    const fail = (status: number, type: ErrorType, message: string, headers: Record<string, string> = {}) =>
      sendJson(res, status, errorBody(type, message, requestId), headers);

    if (apiKeyOf(request.headers) !== apiKey) return fail(401, 'authentication_error', 'invalid x-api-key');
    const version = request.headers['anthropic-version'];
    if (typeof version !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(version)) {
      return fail(400, 'invalid_request_error', 'anthropic-version: header is required and must be a date (YYYY-MM-DD)');
    }
    if (request.method === 'POST' && request.path === '/v1/messages/count_tokens') {
      const invalid = requestError({ max_tokens: 0, ...request.body } as MessagesRequestBody);
      if (invalid) return fail(400, 'invalid_request_error', invalid);
      return sendJson(res, 200, { input_tokens: estimateTokens([request.body?.system, request.body?.messages]) });
    }
    if (request.method !== 'POST' || request.path !== '/v1/messages') {
      return fail(404, 'not_found_error', `Not found: ${request.method} ${request.path}`);
    }
    const body = request.body;
    const invalid = requestError(body);
    if (invalid || !body) return fail(400, 'invalid_request_error', invalid ?? 'invalid body');

    const next = turns.shift();
    if (next === undefined) {
      // Not retryable: an exhausted script is a test bug, and retries would only hide it.
      return fail(500, 'api_error', `fake-anthropic: script exhausted after ${script.length} turns`, { 'x-should-retry': 'false' });
    }
    const turn = typeof next === 'function' ? await next(request) : next;

    if ('error' in turn) {
      const { status, type, retryAfter, midStream } = turn.error;
      const message = turn.error.message ?? DEFAULT_MESSAGES[type];
      if (!(midStream && body.stream)) {
        return fail(status, type, message, retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
      }
      const stream = sseStream(res, 0);
      await stream.send('message_start', { type: 'message_start', message: emptyMessage(body, estimateTokens([body.system, body.messages])) });
      await stream.send('error', errorBody(type, message, requestId));
      return stream.end();
    }

    const content = turn.content.map(toApiBlock);
    const stopReason = turn.stop_reason ?? (content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');
    const usage = {
      input_tokens: turn.usage?.input_tokens ?? estimateTokens([body.system, body.messages, body.tools]),
      output_tokens: turn.usage?.output_tokens ?? estimateTokens(content),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    if (!body.stream) {
      return sendJson(res, 200, { ...emptyMessage(body, usage.input_tokens), content, stop_reason: stopReason, usage });
    }

    const stream = sseStream(res, turn.eventDelayMs ?? 0);
    await stream.send('message_start', { type: 'message_start', message: emptyMessage(body, usage.input_tokens) });
    await stream.send('ping', { type: 'ping' });
    for (const [index, block] of content.entries()) {
      if (block.type === 'text') {
        await stream.send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        for (const text of chunks(block.text ?? '', chunkSize)) {
          await stream.send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
        }
      } else {
        await stream.send('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        for (const partial_json of chunks(JSON.stringify(block.input), chunkSize)) {
          await stream.send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json },
          });
        }
      }
      await stream.send('content_block_stop', { type: 'content_block_stop', index });
    }
    await stream.send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    });
    await stream.send('message_stop', { type: 'message_stop' });
    stream.end();
  }

  const server = await recordingServer<MessagesRequestBody>(requests, handle);
  return {
    url: server.origin,
    requests,
    remaining: () => turns.length,
    receivedRequests: (count, timeoutMs = 60_000) => receivedRequests(server, requests, count, timeoutMs),
    onRequest: (listener) => server.onRequest(listener),
    close: () => server.close(),
  };
}

function emptyMessage(body: MessagesRequestBody, inputTokens: number) {
  return {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

