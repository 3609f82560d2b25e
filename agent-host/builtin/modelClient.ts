import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import Anthropic, { APIConnectionError, APIError, APIUserAbortError, type Middleware } from '@anthropic-ai/sdk';
import type { Message as ApiMessage, MessageParam, TextBlockParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import type { AssistantMessage, Message } from './conversation';
import type { Transcript } from './transcript';

/** When the agent's profile names no model. */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';
/** The SDK retries 408/409/429/5xx and connection errors with backoff, honouring retry-after. */
const MAX_RETRIES = 4;

/** An SDK client from the agent's environment: ANTHROPIC_BASE_URL, and ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN. */
export function anthropicClient(env: Record<string, string | undefined>, transcript: Transcript): Anthropic {
  // The SDK reads process.env by itself; passing the agent's env explicitly keeps one source of truth (and tests in-process).
  const credential = env.ANTHROPIC_API_KEY
    ? { apiKey: env.ANTHROPIC_API_KEY }
    : env.ANTHROPIC_AUTH_TOKEN
      ? { authToken: env.ANTHROPIC_AUTH_TOKEN }
      : {};
  const say = (message: string) => transcript.warn(`anthropic sdk: ${message}`);
  const quiet = () => undefined;
  return new Anthropic({
    ...credential,
    ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
    ...(proxied(env) ? { fetch: proxiedFetch(env) } : {}),
    maxRetries: MAX_RETRIES,
    // Its warnings go into the transcript, not straight onto the PTY in the middle of a line.
    logger: { error: say, warn: say, info: quiet, debug: quiet },
    middleware: [announceRetries(transcript)],
  });
}

const proxied = (env: Record<string, string | undefined>) => Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);

/**
 * Node's own fetch ignores HTTP(S)_PROXY; in its sandbox the agent has no other way out than the host's egress proxy
 * (a remote model gateway included), so its requests go through undici's proxy-aware agent, as curl's would.
 */
function proxiedFetch(env: Record<string, string | undefined>): typeof globalThis.fetch {
  const dispatcher = new EnvHttpProxyAgent({
    httpProxy: env.HTTP_PROXY ?? env.http_proxy,
    httpsProxy: env.HTTPS_PROXY ?? env.https_proxy,
    noProxy: env.NO_PROXY ?? env.no_proxy,
  });
  // undici's fetch is the one Node ships, typed apart from the DOM's: the same calls, other type names.
  return ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
}

const RETRIED_STATUS = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/** The retries are the SDK's; this only says so, since backing off from a 529 can keep the screen still for a while. */
function announceRetries(transcript: Transcript): Middleware {
  return async (request, next) => {
    const response = await next(request);
    // The SDK numbers its attempts in this header (documented with Middleware).
    const attempt = Number(request.headers.get('x-stainless-retry-count') ?? '0') + 1;
    if (RETRIED_STATUS(response.status) && attempt <= MAX_RETRIES) {
      transcript.warn(`model API answered HTTP ${response.status}; retrying (attempt ${attempt + 1} of ${MAX_RETRIES + 1})…`);
    }
    return response;
  };
}

export interface ModelRequest {
  model: string;
  maxTokens: number;
  system: string;
  tools: Tool[];
}

/** One streamed model call: text deltas go to the transcript as they arrive; resolves with the final message. */
export async function streamTurn(
  client: Anthropic,
  request: ModelRequest,
  messages: readonly Message[],
  transcript: Transcript,
  signal: AbortSignal,
): Promise<ApiMessage> {
  const system: TextBlockParam[] = [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }];
  const stream = client.messages.stream(
    { model: request.model, max_tokens: request.maxTokens, system, tools: request.tools, messages: withCacheBreakpoint(messages) },
    { signal },
  );
  stream.on('text', (delta) => transcript.text(delta));
  try {
    return await stream.finalMessage();
  } finally {
    transcript.endLine();
  }
}

/**
 * A cache breakpoint on the newest block too (a copy: the saved conversation stays clean), so each call reads
 * the history the previous one wrote to the cache instead of paying for all of it again.
 */
function withCacheBreakpoint(messages: readonly Message[]): MessageParam[] {
  const params = messages as MessageParam[];
  const last = messages.at(-1);
  if (!last) return params;
  const blocks = last.content.map((block, index) =>
    index === last.content.length - 1 ? { ...block, cache_control: { type: 'ephemeral' as const } } : block,
  );
  return [...params.slice(0, -1), { role: last.role, content: blocks } as MessageParam];
}

/** The assistant message to keep: text and tool calls (blank text blocks dropped: the API refuses them back). */
export function assistantContent(message: ApiMessage): AssistantMessage['content'] {
  const content: AssistantMessage['content'] = [];
  for (const block of message.content) {
    if (block.type === 'text' && block.text.trim() !== '') content.push({ type: 'text', text: block.text });
    else if (block.type === 'tool_use') {
      const input = typeof block.input === 'object' && block.input !== null ? (block.input as Record<string, unknown>) : {};
      content.push({ type: 'tool_use', id: block.id, name: block.name, input });
    }
  }
  return content;
}

export const isAbort = (error: unknown): boolean => error instanceof APIUserAbortError;

/** One line for a failed model call: the HTTP status, the API's error type and message, the request id. */
export function describeModelError(error: unknown): string {
  if (error instanceof APIConnectionError) return `cannot reach the model API: ${error.message}`;
  if (error instanceof APIError) {
    const status = error.status === undefined ? 'stream error' : `HTTP ${error.status}`;
    const detail = [error.type, error.apiMessage ?? error.message].filter(Boolean).join(': ');
    return `${status} ${detail}${error.requestID ? ` (request ${error.requestID})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
