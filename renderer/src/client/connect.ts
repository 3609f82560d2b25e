import type { AppClient } from '../../../common/app/client';
import { connectWebSocket } from './wsTransport';
import { PeerAppClient } from './peerClient';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    flightdeck?: AppClient;
  }
}

export interface Connection {
  client: AppClient;
  mode: 'electron' | 'browser';
  /** Browser mode only: the socket to the core closed. Electron's bridge lives as long as the window. */
  onLost(listener: (error?: Error) => void): void;
}

/** The Electron bridge when the preload put one on window, else a WebSocket to `npm run web` with the URL's token. */
export async function connect(): Promise<Connection> {
  if (window.flightdeck) {
    return { client: window.flightdeck, mode: 'electron', onLost: () => undefined };
  }
  const token = new URL(window.location.href).searchParams.get('token');
  if (!token) {
    throw new Error('This page needs the address printed by `npm run web` (it carries an access token).');
  }
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${protocol}//${window.location.host}/ws?token=${encodeURIComponent(token)}`;
  const client = new PeerAppClient(await connectWebSocket(url));
  return { client, mode: 'browser', onLost: (listener) => void client.onClose(listener) };
}
