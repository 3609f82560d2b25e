/**
 * What the desktop shell needs from the fleet core (main/core): a client per window that takes
 * validated AppApi requests and terminal input, and pushes notifications and output to a sink.
 * Structural, so the shell stays a thin layer over whatever the core adds.
 */
export interface CoreSink {
  notify(method: string, params: unknown): void;
  output(key: string, offset: number, data: Uint8Array): void;
}

export interface CoreClientLike {
  request(method: string, params: unknown): Promise<unknown>;
  input(key: string, data: Uint8Array): void;
  reply(key: string, data: Uint8Array): void;
  ack(key: string, offset: number): void;
  close(): void;
}
