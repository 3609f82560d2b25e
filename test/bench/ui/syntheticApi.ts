// A bench-only AppApi endpoint: browser mode's own web server (main/web/server.ts: static files, token, WebSocket
// transport) with the AppApi answered from a synthetic fleet instead of FleetCore, so the renderer takes its real
// client path (WebSocket, RpcPeer, zod on every message) to data no real host could cheaply hold.
import { appApi } from '../../../common/app/api';
import { WireError, WireErrorCode } from '../../../common/wire/errors';
import { RpcPeer } from '../../../common/wire/peer';
import type { Transport } from '../../../common/wire/transport';
import { startWebServer, type WebServer } from '../../../main/web/server';
import { BENCH_HOST, type SyntheticFleet } from './syntheticFleet';

function serveFleet(fleet: SyntheticFleet, transport: Transport): void {
  const peer = new RpcPeer(appApi, transport);
  const unknownHost = (host: string) => new WireError(WireErrorCode.InvalidParams, `no host ${host} in the bench fleet`);
  peer.handle('hosts.list', () => ({ hosts: [fleet.host] }));
  peer.handle('prompts.pending', () => ({ prompts: [] }));
  peer.handle('runs.list', () => ({ runs: fleet.runs, errors: [] }));
  peer.handle('runs.show', ({ host, run }) => {
    if (host !== BENCH_HOST || run !== fleet.detail.run.id) throw unknownHost(`${host}/${run}`);
    return fleet.detail;
  });
  peer.handle('runs.record', ({ host, run }) => {
    if (host !== BENCH_HOST || run !== fleet.record.run.id) throw unknownHost(`${host}/${run}`);
    return { host, record: fleet.record, stale: null };
  });
  peer.handle('runbooks.list', ({ host }) => ({ host, runbooks: [], problems: [] }));
  peer.handle('inbox.list', () => ({ items: fleet.items, errors: [] }));
  peer.handle('inbox.show', ({ host, item }) => {
    const shown = host === BENCH_HOST ? fleet.show(item) : undefined;
    if (!shown) throw new WireError(WireErrorCode.InboxItemNotFound, `nothing waits as ${item} on ${host}`);
    return shown;
  });
  peer.handle('inbox.decide', () => {
    throw new WireError(WireErrorCode.InvalidRequest, 'the bench fleet takes no decisions');
  });
}

/** The built renderer (out/renderer) in browser mode against the synthetic fleet; open `url` in Chromium. */
export function serveSyntheticFleet(fleet: SyntheticFleet, rendererDir: string): Promise<WebServer> {
  return startWebServer({ rendererDir, serve: (transport) => serveFleet(fleet, transport) });
}
