import { useEffect } from 'react';
import { useStore } from '../store/store';
import { setDockBadge } from './desktopShell';

const TITLE = 'Flightdeck';

/**
 * "(3) Flightdeck": the inbox count in the window title (the browser tab; Electron's window follows the page title),
 * and on the dock or taskbar icon.
 */
export function useInboxBadge(): void {
  const count = useStore((state) => state.inbox.entries?.length ?? 0);
  useEffect(() => {
    document.title = count > 0 ? `(${count}) ${TITLE}` : TITLE;
    setDockBadge(count);
  }, [count]);
}
