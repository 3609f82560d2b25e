import type { Unsubscribe } from '../events';
import type { NotificationNames, ParamsOf, ParsedParamsOf, RequestNames, ResultOf } from '../protocol/define';
import type { AppApi } from './api';

/**
 * What the renderer holds: the AppApi as one typed object. Implemented by the preload bridge (Electron IPC)
 * and by an RpcPeer over a WebSocket (browser mode). Terminal streams are keyed by terminalKey(host, sessionId).
 */
export interface AppClient {
  request<K extends RequestNames<AppApi>>(method: K, params: ParamsOf<AppApi, K>): Promise<ResultOf<AppApi, K>>;
  on<K extends NotificationNames<AppApi>>(event: K, listener: (params: ParsedParamsOf<AppApi, K>) => void): Unsubscribe;
  onOutput(listener: (key: string, offset: number, data: Uint8Array) => void): Unsubscribe;
  /** Keystrokes for an attached terminal. */
  sendInput(key: string, data: Uint8Array): void;
  /** The terminal's own answer to a query in its output (see common/terminal/replies), which is not typing. */
  sendReply(key: string, data: Uint8Array): void;
  /** Bytes up to `offset` are on screen (from xterm's write callback). */
  ack(key: string, offset: number): void;
}
