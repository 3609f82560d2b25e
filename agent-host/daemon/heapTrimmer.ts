import { constants, PerformanceObserver } from 'node:perf_hooks';
import { libc } from '../os/libc';

/**
 * A GC hands dead ArrayBuffers' memory to free() only when V8's ArrayBuffer sweeper gets to them, after the GC's
 * notification; and V8's memory reducer runs its GCs in bursts (three within ~1.3 s here). So the trim waits for
 * this much quiet after the last major GC; a flood with a major GC every few hundred ms trims once it ends.
 */
const AFTER_GC_MS = 1000;

/**
 * V8's memory reducer collects a while after the daemon goes quiet, but it is started by a major GC: when its runs
 * came before the screens went to sleep, the dead screens stay uncollected for as long as the daemon stays idle
 * (a full bench run: 2.75 MiB RSS per idle session 45 s after the screens slept, where 0.48 was measured alone). So
 * every COLLECT_CHECK_MS without a major GC, if the heap and its buffers grew by COLLECT_AFTER_GROWTH_BYTES since
 * the last one, the trimmer asks for one itself (concurrent; --expose-gc, which the bridge gives the daemon). A
 * printing daemon has major GCs of its own; an idle one is asked once, then nothing grows.
 */
const COLLECT_CHECK_MS = 15_000;
const COLLECT_AFTER_GROWTH_BYTES = 4 * 1024 * 1024;

type AsyncGc = (options: { type: 'major'; execution: 'async' }) => Promise<void>;
const exposedGc = (globalThis as { gc?: AsyncGc }).gc;

const inUse = () => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

export interface HeapTrimmerOptions {
  /** Called after each trim (tests). */
  onTrim?: () => void;
  /** How often an idle process is checked for garbage waiting on a major GC (tests shorten it). */
  collectCheckMs?: number;
}

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
export function startHeapTrimmer({ onTrim, collectCheckMs = COLLECT_CHECK_MS }: HeapTrimmerOptions = {}): { trimming: boolean; stop: () => void } {
  if (!libc) return { trimming: false, stop: () => {} };
  const { mallocTrim } = libc;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let majorGcSinceCheck = false;
  let inUseAfterGc = inUse();
  const trim = () => {
    mallocTrim();
    // After the sweeper freed the collected buffers: the baseline the next growth is measured from.
    inUseAfterGc = inUse();
    onTrim?.();
  };
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some(isMajorGc)) return;
    majorGcSinceCheck = true;
    clearTimeout(pending);
    pending = setTimeout(trim, AFTER_GC_MS);
    pending.unref();
  });
  observer.observe({ entryTypes: ['gc'] });
  const collector = exposedGc
    ? setInterval(() => {
        if (!majorGcSinceCheck && inUse() - inUseAfterGc > COLLECT_AFTER_GROWTH_BYTES) void exposedGc({ type: 'major', execution: 'async' });
        majorGcSinceCheck = false;
      }, collectCheckMs)
    : undefined;
  collector?.unref();
  return {
    trimming: true,
    stop: () => {
      observer.disconnect();
      clearTimeout(pending);
      clearInterval(collector);
    },
  };
}
