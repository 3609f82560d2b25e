import type { NativeImage } from 'electron';
import { describe, expect, it } from 'vitest';
import { BRIDGE_CHANNELS } from '../../common/app/bridge';
import { overlayDot, showBadge, type BadgeTargets } from './dockBadge';
import { parseBadgeCount, serveDesktopShell } from './desktopShell';
import type { IpcEventLike, IpcMainLike } from './ipcBridge';

const APP = 'file:///opt/Flightdeck/resources/app.asar/out/renderer/index.html';

/** ipcMain as far as the shell uses it: listeners by channel, and a way to send as a given frame. */
function fakeIpc() {
  const listeners = new Map<string, (event: IpcEventLike, ...args: unknown[]) => void>();
  const ipc: IpcMainLike = {
    handle: () => undefined,
    removeHandler: () => undefined,
    on: (channel, listener) => void listeners.set(channel, listener),
    removeAllListeners: (channel) => void listeners.delete(channel),
  };
  const send = (channel: string, from: { id?: number; url?: string; parent?: unknown }, ...args: unknown[]) =>
    listeners.get(channel)?.({ sender: { id: from.id ?? 7 }, senderFrame: { url: from.url ?? APP, parent: from.parent ?? null } }, ...args);
  return { ipc, send, listeners };
}

describe('window.flightdeckDesktop in main', () => {
  it('sets the badge and raises the window for the app page only, with a valid count only', () => {
    const { ipc, send, listeners } = fakeIpc();
    const counts: number[] = [];
    let raised = 0;
    const stop = serveDesktopShell(ipc, { webContentsId: 7, appUrl: APP, shell: { setBadgeCount: (count) => counts.push(count), focusWindow: () => (raised += 1) } });
    send(BRIDGE_CHANNELS.badge, {}, 3);
    send(BRIDGE_CHANNELS.badge, {}, 0);
    for (const bad of [-1, 1.5, '4', Number.NaN, 10 ** 9, null]) send(BRIDGE_CHANNELS.badge, {}, bad);
    send(BRIDGE_CHANNELS.badge, { id: 8 }, 5);
    send(BRIDGE_CHANNELS.badge, { url: 'https://evil.example/' }, 5);
    send(BRIDGE_CHANNELS.badge, { parent: {} }, 5);
    send(BRIDGE_CHANNELS.focus, {});
    send(BRIDGE_CHANNELS.focus, { url: 'file:///tmp/evil.html' });
    expect(counts).toEqual([3, 0]);
    expect(raised).toBe(1);
    stop();
    expect([...listeners.keys()]).toEqual([]);
  });

  it('accepts counts from 0 to 99,999', () => {
    expect([0, 1, 99_999].map(parseBadgeCount)).toEqual([0, 1, 99_999]);
    expect([100_000, -0.5, Infinity, undefined, '2'].map(parseBadgeCount)).toEqual([null, null, null, null, null]);
  });
});

describe('the dock and taskbar badge', () => {
  const targets = (platform: NodeJS.Platform) => {
    const calls: unknown[][] = [];
    const image = { marker: 'dot' } as unknown as NativeImage;
    const badge: BadgeTargets = {
      platform,
      app: { setBadgeCount: (count) => (calls.push(['badge', count]), platform !== 'win32') },
      window: () => ({ setOverlayIcon: (overlay, description) => void calls.push(['overlay', overlay, description]) }),
      image: (bitmap, size) => (calls.push(['image', bitmap.length, size]), image),
    };
    return { badge, calls, image };
  };

  it('is the dock number on macOS and Linux launchers', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      const { badge, calls } = targets(platform);
      showBadge(badge, 4);
      showBadge(badge, 0);
      expect(calls).toEqual([
        ['badge', 4],
        ['badge', 0],
      ]);
    }
  });

  it("is an overlay dot on Windows' taskbar, described with the count, and gone at zero", () => {
    const { badge, calls, image } = targets('win32');
    showBadge(badge, 2);
    showBadge(badge, 0);
    expect(calls).toEqual([['image', 16 * 16 * 4, 16], ['overlay', image, '2 waiting on you'], ['overlay', null, '']]);
  });

  it('draws an opaque amber centre and transparent corners', () => {
    const dot = overlayDot(16);
    const pixel = (x: number, y: number) => [...dot.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 4)];
    expect(pixel(8, 8)).toEqual([0x0b, 0x9e, 0xf5, 0xff]);
    expect(pixel(0, 0)).toEqual([0, 0, 0, 0]);
  });
});
