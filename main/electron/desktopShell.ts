import { BRIDGE_CHANNELS } from '../../common/app/bridge';
import type { IpcEventLike, IpcMainLike } from './ipcBridge';
import { isTrustedSender } from './senderCheck';

/** More than anyone has waiting; a larger number from the page is refused, not clamped. */
export const MAX_BADGE_COUNT = 99_999;

export function parseBadgeCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_BADGE_COUNT ? value : null;
}

/** What window.flightdeckDesktop asks of the shell (see dockBadge.ts for how each platform shows the count). */
export interface DesktopShellActions {
  setBadgeCount(count: number): void;
  focusWindow(): void;
}

/**
 * Serves window.flightdeckDesktop for one window, under the same rule as the AppApi bridge: only that window's top
 * frame at the app's own URL, every argument validated.
 */
export function serveDesktopShell(ipc: IpcMainLike, options: { webContentsId: number; appUrl: string; shell: DesktopShellActions }): () => void {
  const { webContentsId, appUrl, shell } = options;
  const trusted = (event: IpcEventLike) => event.sender.id === webContentsId && isTrustedSender(event.senderFrame, appUrl);
  ipc.on(BRIDGE_CHANNELS.badge, (event, count) => {
    const parsed = trusted(event) ? parseBadgeCount(count) : null;
    if (parsed !== null) shell.setBadgeCount(parsed);
  });
  ipc.on(BRIDGE_CHANNELS.focus, (event) => {
    if (trusted(event)) shell.focusWindow();
  });
  return () => {
    ipc.removeAllListeners(BRIDGE_CHANNELS.badge);
    ipc.removeAllListeners(BRIDGE_CHANNELS.focus);
  };
}
