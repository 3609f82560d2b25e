import type { DesktopShell } from '../../../common/app/bridge';

declare global {
  interface Window {
    /** Set by the Electron preload beside window.flightdeck; absent in browser mode. */
    flightdeckDesktop?: DesktopShell;
  }
}

/**
 * The count of waiting items on the dock or taskbar icon: Electron's badge through the preload, else the Badging API
 * where the browser has it (an installed web app); elsewhere the window title carries it alone.
 */
export function setDockBadge(count: number): void {
  if (window.flightdeckDesktop) {
    window.flightdeckDesktop.setBadgeCount(count);
    return;
  }
  if (!('setAppBadge' in navigator)) return;
  // Refused where the page is not an installed app: the title still says it.
  void (count > 0 ? navigator.setAppBadge(count) : navigator.clearAppBadge()).catch(() => undefined);
}

/** Brings the window to the front (a notification was clicked): Electron's page cannot raise its own window. */
export function focusWindow(): void {
  window.focus();
  window.flightdeckDesktop?.focusWindow();
}
