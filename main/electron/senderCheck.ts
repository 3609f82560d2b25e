/**
 * IPC is accepted only from the app's own page in the top frame: a navigated, framed or foreign document
 * (which navigation guards should already prevent) gets nothing from the core.
 */
export interface SenderFrame {
  url: string;
  /** The frame's parent, null for the top frame. */
  parent: unknown;
}

export function isTrustedSender(frame: SenderFrame | null | undefined, appUrl: string): boolean {
  if (!frame || frame.parent !== null) return false;
  let actual: URL;
  let expected: URL;
  try {
    actual = new URL(frame.url);
    expected = new URL(appUrl);
  } catch {
    return false;
  }
  if (expected.protocol === 'file:') return actual.protocol === 'file:' && actual.pathname === expected.pathname;
  // Dev server (electron-vite): same origin; any path of it is our own renderer.
  return actual.origin === expected.origin;
}

/** Navigation inside the window is never needed: the app is a single page. Only a reload of itself is fine. */
export function isAllowedNavigation(targetUrl: string, appUrl: string): boolean {
  return isTrustedSender({ url: targetUrl, parent: null }, appUrl);
}

/** Links from terminals open in the system browser, but only plain web links. */
export function isExternalWebLink(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}
