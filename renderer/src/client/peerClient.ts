import { appApi, parseTerminalKey, terminalKey, type AppApi } from '../../../common/app/api';
import type { AppClient } from '../../../common/app/client';
import { Emitter, type Unsubscribe } from '../../../common/events';
import { RpcPeer } from '../../../common/wire/peer';
import type { Transport } from '../../../common/wire/transport';

/** AppClient over any Transport (browser mode: a WebSocket): RPC for the AppApi, binary frames for terminals. */
export class PeerAppClient implements AppClient {
  readonly peer: RpcPeer<AppApi>;
  private readonly closeEvents = new Emitter<Error | undefined>();

  constructor(transport: Transport) {
    this.peer = new RpcPeer(appApi, transport, { requestTimeoutMs: 120_000 });
    this.peer.onClose((error) => this.closeEvents.emit(error));
  }

  request: AppClient['request'] = (method, params) => this.peer.request(method, params);

  on: AppClient['on'] = (event, listener) => this.peer.onNotification(event, listener);

  onOutput(listener: (key: string, offset: number, data: Uint8Array) => void): Unsubscribe {
    return this.peer.onOutput((frame) => listener(frame.sessionId, frame.offset, frame.data));
  }

  sendInput(key: string, data: Uint8Array): void {
    if (parseTerminalKey(key)) this.peer.sendInput(key, data);
  }

  sendReply(key: string, data: Uint8Array): void {
    if (parseTerminalKey(key)) this.peer.sendReply(key, data);
  }

  ack(key: string, offset: number): void {
    if (parseTerminalKey(key)) this.peer.sendAck(key, offset);
  }

  onClose(listener: (error?: Error) => void): Unsubscribe {
    return this.closeEvents.on(listener);
  }
}

export { terminalKey };
