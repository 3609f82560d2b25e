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

const TOKEN_KEY = 'flightdeck-token';

/**
 * The access token from the address, moved out of it at once: an address with the token would sit in the browser's
 * history and session restore. The tab keeps it (sessionStorage, gone with the tab) so a reload still connects.
 */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
  return fromUrl ?? sessionStorage.getItem(TOKEN_KEY);
}

/** The Electron bridge when the preload put one on window, else a WebSocket to `npm run web` with the URL's token. */
export async function connect(): Promise<Connection> {
  if (window.flightdeck) {
    return { client: window.flightdeck, mode: 'electron', onLost: () => undefined };
  }
  const token = takeToken();
  if (!token) {
    throw new Error('This page needs the address printed by `npm run web` (it carries an access token).');
  }
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${protocol}//${window.location.host}/ws?token=${encodeURIComponent(token)}`;
  const client = new PeerAppClient(await connectWebSocket(url));
  return { client, mode: 'browser', onLost: (listener) => void client.onClose(listener) };
}
