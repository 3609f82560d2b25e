import type { z } from 'zod';
import { appApi, parseTerminalKey } from '../../common/app/api';
import type { BridgeReply } from '../../common/app/bridge';
import { describeZodIssues } from '../../common/zodIssues';
import { WireError, WireErrorCode, errorMessage } from '../../common/wire/errors';

/** Same bound as a frame: a keystroke burst or a paste, never more. */
const MAX_INPUT_BYTES = 1024 * 1024;

export type ParsedRequest = { ok: true; method: keyof typeof appApi; params: unknown } | { ok: false; reply: BridgeReply };

function refuse(code: number, message: string): { ok: false; reply: BridgeReply } {
  return { ok: false, reply: { ok: false, error: { code, message } } };
}

/** A page's request, checked against the AppApi registry before the core sees it. */
export function parseBridgeRequest(method: unknown, params: unknown): ParsedRequest {
  if (typeof method !== 'string' || !Object.hasOwn(appApi, method)) {
    return refuse(WireErrorCode.MethodNotFound, `unknown method ${String(method).slice(0, 80)}`);
  }
  const definition = appApi[method as keyof typeof appApi];
  if (definition.kind !== 'request' || definition.direction !== 'client-to-host') {
    return refuse(WireErrorCode.MethodNotFound, `${method} is not a request the page may make`);
  }
  const parsed = (definition.params as z.ZodType).safeParse(params ?? {});
  if (!parsed.success) return refuse(WireErrorCode.InvalidParams, `invalid params for ${method}: ${describeZodIssues(parsed.error)}`);
  return { ok: true, method: method as keyof typeof appApi, params: parsed.data };
}

export function replyFromError(error: unknown): BridgeReply {
  if (error instanceof WireError) return { ok: false, error: { code: error.code, message: error.message, data: error.data } };
  const code = typeof (error as { code?: unknown })?.code === 'string' ? ((error as { code: string }).code as string) : null;
  return { ok: false, error: { code, message: errorMessage(error) } };
}

export function parseInput(key: unknown, data: unknown): { key: string; data: Uint8Array } | null {
  if (typeof key !== 'string' || !parseTerminalKey(key)) return null;
  if (!(data instanceof Uint8Array) || data.length === 0 || data.length > MAX_INPUT_BYTES) return null;
  return { key, data };
}

export function parseAck(key: unknown, offset: unknown): { key: string; offset: number } | null {
  if (typeof key !== 'string' || !parseTerminalKey(key)) return null;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return null;
  return { key, offset };
}
