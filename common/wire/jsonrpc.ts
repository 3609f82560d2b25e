import { z } from 'zod';

/** JSON-RPC 2.0 envelopes. Ids are numbers or strings; this side only ever issues numbers. */
const id = z.union([z.number().int(), z.string().max(128)]);

export const JsonRpcRequest = z.object({
  jsonrpc: z.literal('2.0'),
  id,
  method: z.string().min(1).max(128),
  params: z.unknown().optional(),
});
export type JsonRpcRequest = z.infer<typeof JsonRpcRequest>;

export const JsonRpcNotification = z.object({
  jsonrpc: z.literal('2.0'),
  method: z.string().min(1).max(128),
  params: z.unknown().optional(),
});
export type JsonRpcNotification = z.infer<typeof JsonRpcNotification>;

export const JsonRpcErrorObject = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});

export const JsonRpcResponse = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id, result: z.unknown() }),
  z.object({ jsonrpc: z.literal('2.0'), id: id.nullable(), error: JsonRpcErrorObject }),
]);
export type JsonRpcResponse = z.infer<typeof JsonRpcResponse>;

export type JsonRpcMessage =
  | { type: 'request'; message: JsonRpcRequest }
  | { type: 'notification'; message: JsonRpcNotification }
  | { type: 'response'; message: JsonRpcResponse };

/** Classifies an already-parsed JSON value; null when it is not a JSON-RPC 2.0 message. */
export function classifyJsonRpc(value: unknown): JsonRpcMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  if ('method' in value) {
    if ('id' in value) {
      const request = JsonRpcRequest.safeParse(value);
      return request.success ? { type: 'request', message: request.data } : null;
    }
    const notification = JsonRpcNotification.safeParse(value);
    return notification.success ? { type: 'notification', message: notification.data } : null;
  }
  const response = JsonRpcResponse.safeParse(value);
  return response.success ? { type: 'response', message: response.data } : null;
}
