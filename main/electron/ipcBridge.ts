import type { BridgeReply } from '../../common/app/bridge';
import { BRIDGE_CHANNELS } from '../../common/app/bridge';
import { WireErrorCode } from '../../common/wire/errors';
import { parseAck, parseBridgeRequest, parseInput, replyFromError } from './bridgeRequests';
import type { CoreClientLike } from './coreContract';
import { isTrustedSender, type SenderFrame } from './senderCheck';

/** The slice of Electron's ipcMain this module uses (so it reads, and tests, without Electron). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): void;
  removeHandler(channel: string): void;
  removeAllListeners(channel: string): void;
}

export interface IpcEventLike {
  senderFrame: SenderFrame | null;
  sender: { id: number };
}

/**
 * Serves window.flightdeck for one window: every call must come from that window's top frame at the
 * app's own URL, and every argument is validated before the core sees it.
 */
export function serveBridge(ipc: IpcMainLike, options: { webContentsId: number; appUrl: string; core: CoreClientLike }): () => void {
  const { webContentsId, appUrl, core } = options;
  const trusted = (event: IpcEventLike) => event.sender.id === webContentsId && isTrustedSender(event.senderFrame, appUrl);

  ipc.handle(BRIDGE_CHANNELS.request, async (event, method, params): Promise<BridgeReply> => {
    if (!trusted(event)) return { ok: false, error: { code: WireErrorCode.InvalidRequest, message: 'refused: not the app page' } };
    const parsed = parseBridgeRequest(method, params);
    if (!parsed.ok) return parsed.reply;
    try {
      return { ok: true, result: await core.request(parsed.method, parsed.params) };
    } catch (error) {
      return replyFromError(error);
    }
  });
  ipc.on(BRIDGE_CHANNELS.input, (event, key, data) => {
    const input = trusted(event) ? parseInput(key, data) : null;
    if (input) core.input(input.key, input.data);
  });
  ipc.on(BRIDGE_CHANNELS.reply, (event, key, data) => {
    const reply = trusted(event) ? parseInput(key, data) : null;
    if (reply) core.reply(reply.key, reply.data);
  });
  ipc.on(BRIDGE_CHANNELS.ack, (event, key, offset) => {
    const ack = trusted(event) ? parseAck(key, offset) : null;
    if (ack) core.ack(ack.key, ack.offset);
  });
  return () => {
    ipc.removeHandler(BRIDGE_CHANNELS.request);
    ipc.removeAllListeners(BRIDGE_CHANNELS.input);
    ipc.removeAllListeners(BRIDGE_CHANNELS.reply);
    ipc.removeAllListeners(BRIDGE_CHANNELS.ack);
  };
}
