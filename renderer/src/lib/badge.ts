import { useEffect } from 'react';
import { useStore } from '../store/store';

const TITLE = 'Flightdeck';

/** "(3) Flightdeck": the inbox count in the window title (the browser tab; Electron's window follows the page title). */
export function useInboxBadge(): void {
  const count = useStore((state) => state.inbox.entries?.length ?? 0);
  useEffect(() => {
    document.title = count > 0 ? `(${count}) ${TITLE}` : TITLE;
  }, [count]);
}
