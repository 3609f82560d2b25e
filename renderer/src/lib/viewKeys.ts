import { useEffect, useRef } from 'react';
import { useStore } from '../store/store';

/** Typing into a field or a terminal is typing, not a command. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.closest('.xterm') !== null;
}

/**
 * Single-key commands of a view (j/k, a, r, Enter…): only while no dialog, palette or prompt is up, nothing is being
 * typed, and no modifier is held (those belong to the app's shortcuts). `handle` returns true when it used the key.
 */
export function useViewKeys(handle: (event: KeyboardEvent) => boolean): void {
  const latest = useRef(handle);
  latest.current = handle;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      // Enter and Space on a focused control are that control's.
      if ((event.key === 'Enter' || event.key === ' ') && event.target instanceof HTMLElement && event.target.closest('button, a[href], summary')) return;
      const { dialog, paletteOpen, prompts } = useStore.getState();
      if (dialog || paletteOpen || prompts.length > 0) return;
      if (latest.current(event)) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
