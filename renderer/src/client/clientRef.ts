import type { AppClient } from '../../../common/app/client';

let current: AppClient | null = null;

/** The one AppClient of this page, set once the bridge or socket is up. */
export function setClient(client: AppClient): void {
  current = client;
}

export function client(): AppClient {
  if (!current) throw new Error('not connected to the Flightdeck core yet');
  return current;
}
