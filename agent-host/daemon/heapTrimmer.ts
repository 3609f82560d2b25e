import { constants, PerformanceObserver } from 'node:perf_hooks';
import { libc } from '../os/libc';

/**
 * A GC hands dead ArrayBuffers' memory to free() only when V8's ArrayBuffer sweeper gets to them, after the GC's
 * notification; and V8's memory reducer runs its GCs in bursts (three within ~1.3 s here). So the trim waits for
 * this much quiet after the last major GC; a flood with a major GC every few hundred ms trims once it ends.
 */
const AFTER_GC_MS = 1000;

type GcEntry = PerformanceEntry & { detail?: { kind?: number } };
const isMajorGc = (entry: PerformanceEntry) => (entry as GcEntry).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;

/**
 * Gives back to the system the memory glibc keeps after V8 collected it. A headless screen's line buffers are
 * ~1.4 KB ArrayBuffers that V8 allocates with malloc; when quiet sessions' screens sleep and a major GC frees them,
 * they leave holes in the middle of glibc's main arena, and free() returns only the arena's top. malloc_trim(0)
 * returns every whole free page (measured: 2.42 -> 0.46 MiB RSS per idle session, 50 sessions of 2,000 lines).
 * Node has no binding for it (os/libc.ts); it runs AFTER_GC_MS after the last of a burst of major GCs
 * (0.1-0.8 ms with nothing to return, 15 ms to return 140 MB here; a printing daemon has a major GC every ~10 s).
 * Does nothing without glibc.
 */
export function startHeapTrimmer({ onTrim }: { onTrim?: () => void } = {}): { trimming: boolean; stop: () => void } {
  if (!libc) return { trimming: false, stop: () => {} };
  const { mallocTrim } = libc;
  let pending: ReturnType<typeof setTimeout> | undefined;
  const trim = () => {
    mallocTrim();
    onTrim?.();
  };
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some(isMajorGc)) return;
    clearTimeout(pending);
    pending = setTimeout(trim, AFTER_GC_MS);
    pending.unref();
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    trimming: true,
    stop: () => {
      observer.disconnect();
      clearTimeout(pending);
    },
  };
}
