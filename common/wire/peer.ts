import type { z } from 'zod';
import { Emitter, type Unsubscribe } from '../events';
import type {
  NotificationNames,
  ParamsOf,
  ParsedParamsOf,
  Registry,
  RequestDefinition,
  RequestNames,
  ResultOf,
} from '../protocol/define';
import { describeZodIssues } from '../zodIssues';
import { concatBytes } from './bytes';
import { FrameDecoder } from './decoder';
import { LocalError, WireError, WireErrorCode, errorMessage } from './errors';
import {
  MAX_INPUT_FRAME_DATA,
  encodeAckFrame,
  encodeInputFrame,
  encodeOutputFrame,
  encodeReplyFrame,
  encodeRpcMessage,
  type Frame,
} from './frame';
import { classifyJsonRpc, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc';
import type { Transport } from './transport';

export interface PeerOptions {
  maxFrameBytes?: number;
  maxMessageBytes?: number;
  /** Default deadline for requests this side sends; 0 disables. */
  requestTimeoutMs?: number;
}

type Handler = (params: unknown) => unknown;
type Pending = {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
};

export type OutputFrame = Extract<Frame, { kind: 'output' }>;
export type InputFrame = Extract<Frame, { kind: 'input' }>;
export type ReplyFrame = Extract<Frame, { kind: 'reply' }>;
export type AckFrame = Extract<Frame, { kind: 'ack' }>;

/**
 * One end of a framed connection: JSON-RPC requests and notifications validated against a registry,
 * plus the binary OUTPUT / INPUT / ACK frames. Used by both the app and agent-host.
 * A fatal framing error closes the transport with that error; it never throws out of the read loop.
 */
export class RpcPeer<T extends Registry> {
  private readonly decoder: FrameDecoder;
  private readonly handlers = new Map<string, Handler>();
  private readonly pending = new Map<number | string, Pending>();
  private readonly notificationListeners = new Map<string, Emitter<unknown>>();
  private readonly outputs = new Emitter<OutputFrame>();
  private readonly inputs = new Emitter<InputFrame>();
  private readonly replies = new Emitter<ReplyFrame>();
  private readonly acks = new Emitter<AckFrame>();
  private readonly protocolErrors = new Emitter<LocalError>();
  private readonly unknownMethods = new Emitter<string>();
  private readonly closeEvents = new Emitter<Error | undefined>();
  private nextId = 1;
  private readonly requestTimeoutMs: number;
  private readonly maxFrameBytes: number | undefined;
  private readonly maxMessageBytes: number | undefined;

  constructor(
    private readonly registry: T,
    readonly transport: Transport,
    options: PeerOptions = {},
  ) {
    this.decoder = new FrameDecoder({ maxFrameBytes: options.maxFrameBytes, maxMessageBytes: options.maxMessageBytes });
    this.maxFrameBytes = options.maxFrameBytes;
    this.maxMessageBytes = options.maxMessageBytes;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 0;
    transport.onData((bytes) => this.receive(bytes));
    transport.onClose((error) => this.closed(error));
  }

  get isClosed(): boolean {
    return this.transport.closed;
  }

  handle<K extends RequestNames<T>>(
    method: K,
    handler: (params: ParsedParamsOf<T, K>) => ResultOf<T, K> | Promise<ResultOf<T, K>>,
  ): void {
    this.handlers.set(method, handler as Handler);
  }

  request<K extends RequestNames<T>>(
    method: K,
    params: ParamsOf<T, K>,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf<T, K>> {
    if (this.transport.closed) {
      return Promise.reject(new LocalError('transport-closed', `cannot send ${method}: connection closed`));
    }
    const id = this.nextId++;
    const definition = this.registry[method] as RequestDefinition;
    return new Promise<unknown>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id);
              reject(new LocalError('request-timeout', `${method} got no answer within ${timeoutMs} ms`));
            }, timeoutMs)
          : undefined;
      this.pending.set(id, { method, resolve, reject, timer });
      try {
        this.writeRpc({ jsonrpc: '2.0', id, method, params });
      } catch (error) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new LocalError('frame-too-large', `cannot send ${method}: ${errorMessage(error)}`));
      }
    }).then((result) => {
      const parsed = definition.result.safeParse(result);
      if (!parsed.success) {
        throw new LocalError('invalid-message', `${method} returned an invalid result: ${parsed.error.message}`);
      }
      return parsed.data as ResultOf<T, K>;
    });
  }

  notify<K extends NotificationNames<T>>(method: K, params: ParamsOf<T, K>): void {
    if (this.transport.closed) return;
    this.writeRpc({ jsonrpc: '2.0', method, params });
  }

  onNotification<K extends NotificationNames<T>>(
    method: K,
    listener: (params: ParsedParamsOf<T, K>) => void,
  ): Unsubscribe {
    let emitter = this.notificationListeners.get(method);
    if (!emitter) {
      emitter = new Emitter<unknown>();
      this.notificationListeners.set(method, emitter);
    }
    return emitter.on(listener as (value: unknown) => void);
  }

  /** Returns the transport's backpressure signal: false means wait for `onDrain`. */
  sendOutput(sessionId: string, offset: number, data: Uint8Array): boolean {
    return !this.transport.closed && this.transport.write(encodeOutputFrame(sessionId, offset, data));
  }

  /** A paste bigger than one frame goes in several: the PTY sees the same bytes in the same order. */
  sendInput(sessionId: string, data: Uint8Array): boolean {
    return this.sendBytes(encodeInputFrame, sessionId, data);
  }

  /** A terminal's automatic answer to a query (see FrameKind.Reply), not typing. */
  sendReply(sessionId: string, data: Uint8Array): boolean {
    return this.sendBytes(encodeReplyFrame, sessionId, data);
  }

  private sendBytes(encode: (sessionId: string, data: Uint8Array) => Uint8Array, sessionId: string, data: Uint8Array): boolean {
    if (this.transport.closed) return false;
    if (data.length <= MAX_INPUT_FRAME_DATA) return this.transport.write(encode(sessionId, data));
    let accepted = true;
    for (let start = 0; start < data.length; start += MAX_INPUT_FRAME_DATA) {
      accepted = this.transport.write(encode(sessionId, data.subarray(start, start + MAX_INPUT_FRAME_DATA)));
    }
    return accepted;
  }

  sendAck(sessionId: string, offset: number): boolean {
    return !this.transport.closed && this.transport.write(encodeAckFrame(sessionId, offset));
  }

  /** Several streams' acks in one write: over SSH one packet, not one per ack. */
  sendAcks(acks: ReadonlyArray<readonly [sessionId: string, offset: number]>): boolean {
    if (this.transport.closed) return false;
    return this.transport.write(concatBytes(acks.map(([sessionId, offset]) => encodeAckFrame(sessionId, offset))));
  }

  onOutput(listener: (frame: OutputFrame) => void): Unsubscribe {
    return this.outputs.on(listener);
  }

  onInput(listener: (frame: InputFrame) => void): Unsubscribe {
    return this.inputs.on(listener);
  }

  onReply(listener: (frame: ReplyFrame) => void): Unsubscribe {
    return this.replies.on(listener);
  }

  onAck(listener: (frame: AckFrame) => void): Unsubscribe {
    return this.acks.on(listener);
  }

  onDrain(listener: () => void): Unsubscribe {
    return this.transport.onDrain(listener);
  }

  /** Malformed input from the other side, fatal or not. */
  onProtocolError(listener: (error: LocalError) => void): Unsubscribe {
    return this.protocolErrors.on(listener);
  }

  /** A request for a method this side does not serve (it was answered MethodNotFound). */
  onUnknownMethod(listener: (method: string) => void): Unsubscribe {
    return this.unknownMethods.on(listener);
  }

  onClose(listener: (error?: Error) => void): Unsubscribe {
    if (this.transport.closed) {
      queueMicrotask(() => listener());
      return () => undefined;
    }
    return this.closeEvents.on(listener);
  }

  close(error?: Error): void {
    this.transport.close(error);
  }

  private receive(bytes: Uint8Array): void {
    for (const result of this.decoder.push(bytes)) {
      if (!result.ok) {
        this.protocolErrors.emit(result.error);
        if (result.fatal) {
          this.close(result.error);
          return;
        }
        if (result.error.code === 'invalid-json') {
          this.replyError(null, new WireError(WireErrorCode.ParseError, result.error.message));
        }
        continue;
      }
      this.dispatch(result.frame);
    }
  }

  private dispatch(frame: Frame): void {
    switch (frame.kind) {
      case 'output':
        return this.outputs.emit(frame);
      case 'input':
        return this.inputs.emit(frame);
      case 'reply':
        return this.replies.emit(frame);
      case 'ack':
        return this.acks.emit(frame);
      case 'rpc':
        return this.dispatchRpc(frame.message);
    }
  }

  private dispatchRpc(value: unknown): void {
    const message = classifyJsonRpc(value);
    if (!message) {
      const error = new LocalError('invalid-message', 'RPC frame is not a JSON-RPC 2.0 message');
      this.protocolErrors.emit(error);
      const id = typeof value === 'object' && value !== null && 'id' in value ? (value as { id: unknown }).id : null;
      this.replyError(
        typeof id === 'number' || typeof id === 'string' ? id : null,
        new WireError(WireErrorCode.InvalidRequest, error.message),
      );
      return;
    }
    switch (message.type) {
      case 'request':
        void this.answer(message.message);
        return;
      case 'notification':
        this.deliverNotification(message.message);
        return;
      case 'response':
        this.settle(message.message);
        return;
    }
  }

  private async answer(request: JsonRpcRequest): Promise<void> {
    const definition = Object.hasOwn(this.registry, request.method) ? this.registry[request.method] : undefined;
    const handler = this.handlers.get(request.method);
    if (!definition || definition.kind !== 'request' || !handler) {
      this.replyError(request.id, new WireError(WireErrorCode.MethodNotFound, `unknown method ${request.method}`));
      this.unknownMethods.emit(request.method);
      return;
    }
    const params = (definition.params as z.ZodType).safeParse(request.params ?? {});
    if (!params.success) {
      this.replyError(
        request.id,
        new WireError(WireErrorCode.InvalidParams, `invalid params for ${request.method}: ${describeZodIssues(params.error)}`),
      );
      return;
    }
    try {
      const result = await handler(params.data);
      if (this.transport.closed) return;
      try {
        this.writeRpc({ jsonrpc: '2.0', id: request.id, result });
      } catch (error) {
        this.replyError(request.id, new WireError(WireErrorCode.InternalError, `the result of ${request.method} cannot be sent: ${errorMessage(error)}`));
      }
    } catch (error) {
      this.replyError(
        request.id,
        error instanceof WireError ? error : new WireError(WireErrorCode.InternalError, errorMessage(error)),
      );
    }
  }

  private deliverNotification(message: JsonRpcNotification): void {
    const definition = Object.hasOwn(this.registry, message.method) ? this.registry[message.method] : undefined;
    if (!definition || definition.kind !== 'notification') {
      this.protocolErrors.emit(new LocalError('invalid-message', `unknown notification ${message.method}`));
      return;
    }
    const params = definition.params.safeParse(message.params ?? {});
    if (!params.success) {
      this.protocolErrors.emit(
        new LocalError('invalid-message', `invalid ${message.method} notification: ${describeZodIssues(params.error)}`),
      );
      return;
    }
    this.notificationListeners.get(message.method)?.emit(params.data);
  }

  private settle(response: JsonRpcResponse): void {
    const id = response.id;
    const pending = id === null ? undefined : this.pending.get(id);
    if (!pending) {
      if ('error' in response) {
        this.protocolErrors.emit(
          new LocalError('protocol-violation', `peer reported: ${response.error.message} (${response.error.code})`),
        );
      }
      return;
    }
    this.pending.delete(id!);
    clearTimeout(pending.timer);
    if ('error' in response) pending.reject(new WireError(response.error.code, response.error.message, response.error.data));
    else pending.resolve(response.result);
  }

  private replyError(id: number | string | null, error: WireError): void {
    if (!this.transport.closed) this.writeRpc({ jsonrpc: '2.0', id, error: error.toJSON() });
  }

  /** Frames of one message are written back to back, so nothing of this side comes between them. */
  private writeRpc(message: unknown): void {
    for (const frame of encodeRpcMessage(message, this.maxFrameBytes, this.maxMessageBytes)) this.transport.write(frame);
  }

  private closed(error?: Error): void {
    const reason = new LocalError('transport-closed', `connection closed${error ? `: ${error.message}` : ''}`);
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(reason);
    }
    this.pending.clear();
    this.closeEvents.emit(error);
    this.closeEvents.clear();
  }
}
