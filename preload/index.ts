// The sandboxed preload: window.flightdeck, implementing AppClient over IPC, and window.flightdeckDesktop (the dock
// badge, raising the window). No raw ipcRenderer reaches the page; main validates every argument again, because a
// compromised page could call these with anything.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AppClient } from '../common/app/client';
import type { BridgeChannels, BridgeReply, DesktopShell } from '../common/app/bridge';

const CHANNELS: BridgeChannels = {
  request: 'flightdeck:request',
  notify: 'flightdeck:notify',
  output: 'flightdeck:output',
  input: 'flightdeck:input',
  reply: 'flightdeck:reply',
  ack: 'flightdeck:ack',
  badge: 'flightdeck:badge',
  focus: 'flightdeck:focus',
};

class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(
    message: string,
    readonly code: number | string | null,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

type NotificationListener = (params: unknown) => void;
const notificationListeners = new Map<string, Set<NotificationListener>>();
const outputListeners = new Set<(key: string, offset: number, data: Uint8Array) => void>();

ipcRenderer.on(CHANNELS.notify, (_event: IpcRendererEvent, method: unknown, params: unknown) => {
  if (typeof method !== 'string') return;
  for (const listener of notificationListeners.get(method) ?? []) listener(params);
});

ipcRenderer.on(CHANNELS.output, (_event: IpcRendererEvent, key: unknown, offset: unknown, data: unknown) => {
  if (typeof key !== 'string' || typeof offset !== 'number' || !(data instanceof Uint8Array)) return;
  for (const listener of outputListeners) listener(key, offset, data);
});

const bridge: AppClient = {
  async request(method, params) {
    const reply = (await ipcRenderer.invoke(CHANNELS.request, method, params)) as BridgeReply;
    if (!reply.ok) throw new BridgeError(reply.error.message, reply.error.code, reply.error.data);
    return reply.result as never;
  },
  on(event, listener) {
    let listeners = notificationListeners.get(event);
    if (!listeners) {
      listeners = new Set();
      notificationListeners.set(event, listeners);
    }
    const entry = listener as NotificationListener;
    listeners.add(entry);
    return () => listeners.delete(entry);
  },
  onOutput(listener) {
    outputListeners.add(listener);
    return () => outputListeners.delete(listener);
  },
  sendInput(key, data) {
    ipcRenderer.send(CHANNELS.input, key, data);
  },
  sendReply(key, data) {
    ipcRenderer.send(CHANNELS.reply, key, data);
  },
  ack(key, offset) {
    ipcRenderer.send(CHANNELS.ack, key, offset);
  },
};

const shell: DesktopShell = {
  setBadgeCount(count) {
    ipcRenderer.send(CHANNELS.badge, count);
  },
  focusWindow() {
    ipcRenderer.send(CHANNELS.focus);
  },
};

contextBridge.exposeInMainWorld('flightdeck', bridge);
contextBridge.exposeInMainWorld('flightdeckDesktop', shell);
