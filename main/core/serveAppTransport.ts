import { appApi, type AppApi } from '../../common/app/api';
import type { RequestNames } from '../../common/protocol/define';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { RpcPeer } from '../../common/wire/peer';
import type { Transport } from '../../common/wire/transport';
import { FleetError } from '../ssh/errors';
import type { CoreClient } from './coreClient';
import type { FleetCore } from './fleetCore';

/** Core-side failures cross to the UI as wire errors; the FleetError code travels in data.code. */
function toWireError(error: unknown): WireError {
  if (error instanceof WireError) return error;
  if (error instanceof FleetError) return new WireError(WireErrorCode.InternalError, error.message, { code: error.code });
  return new WireError(WireErrorCode.InternalError, error instanceof Error ? error.message : String(error));
}

/**
 * Serves the AppApi over any Transport (the browser mode's WebSocket): an RpcPeer<AppApi> wired to one CoreClient.
 * Terminal bytes use OUTPUT / INPUT / ACK frames whose session id is terminalKey(host, sessionId).
 */
export function serveAppTransport(core: FleetCore, transport: Transport): { peer: RpcPeer<AppApi>; client: CoreClient } {
  const peer = new RpcPeer(appApi, transport);
  const client = core.openClient({
    notify: (method, params) => peer.notify(method, params as never),
    output: (key, offset, data) => {
      peer.sendOutput(key, offset, data);
    },
  });
  for (const [method, definition] of Object.entries(appApi)) {
    if (definition.kind !== 'request') continue;
    peer.handle(method as RequestNames<AppApi>, async (params: unknown) => {
      try {
        return (await client.request(method as RequestNames<AppApi>, params)) as never;
      } catch (error) {
        throw toWireError(error);
      }
    });
  }
  peer.onInput((frame) => client.input(frame.sessionId, frame.data));
  peer.onReply((frame) => client.reply(frame.sessionId, frame.data));
  peer.onAck((frame) => client.ack(frame.sessionId, frame.offset));
  peer.onClose(() => client.close());
  return { peer, client };
}
