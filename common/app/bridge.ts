/**
 * The Electron IPC channels behind the preload bridge (window.flightdeck). Types only cross into preload/,
 * so the preload spells the literals out and the compiler checks them against these.
 */
export const BRIDGE_CHANNELS = {
  /** invoke(method, params) -> BridgeReply */
  request: 'flightdeck:request',
  /** main -> page: (method, params) for every AppApi notification */
  notify: 'flightdeck:notify',
  /** main -> page: (key, offset, Uint8Array) */
  output: 'flightdeck:output',
  /** page -> main: (key, Uint8Array) */
  input: 'flightdeck:input',
  /** page -> main: (key, Uint8Array), a terminal's automatic answer to a query */
  reply: 'flightdeck:reply',
  /** page -> main: (key, offset) */
  ack: 'flightdeck:ack',
  /** page -> main: (count), the waiting items on the dock or taskbar icon */
  badge: 'flightdeck:badge',
  /** page -> main: (), raise the window (a notification was clicked) */
  focus: 'flightdeck:focus',
} as const;
export type BridgeChannels = typeof BRIDGE_CHANNELS;

/** The preload's second object, window.flightdeckDesktop: what only the desktop shell can do for the page. */
export interface DesktopShell {
  setBadgeCount(count: number): void;
  focusWindow(): void;
}

/** Errors do not survive ipcRenderer.invoke intact (only the message does), so replies carry them as data. */
export type BridgeReply =
  | { ok: true; result: unknown }
  | { ok: false; error: { message: string; code: number | string | null; data?: unknown } };
