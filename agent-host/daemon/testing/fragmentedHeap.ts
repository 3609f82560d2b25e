// Child process for heapTrimmer.test.ts (node --expose-gc --import tsx): fills glibc's main arena as screens do
// (runs of 1,400-byte line buffers, here 100 screens of 1,000 lines) with a buffer that lives after each run, lets
// the runs die, and reports RSS at each step.
import { startHeapTrimmer } from '../heapTrimmer';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const MiB = 1024 * 1024;
const rss = () => Math.round(process.memoryUsage().rss / MiB);

const base = rss();
const dying: Uint8Array[] = [];
const living: Uint8Array[] = [];
for (let screen = 0; screen < 100; screen++) {
  for (let line = 0; line < 1000; line++) dying.push(new Uint8Array(1400));
  living.push(new Uint8Array(200));
}
const filled = rss();
dying.length = 0;
gc();
const collected = rss();
// The trimmer's observer and timer do not hold the event loop open; the daemon's sockets do, this does here.
const keepAlive = setInterval(() => {}, 60_000);
const trimmed = await new Promise<number>((resolve) => {
  const trimmer = startHeapTrimmer({
    onTrim: () => {
      trimmer.stop();
      resolve(rss());
    },
  });
  if (!trimmer.trimming) throw new Error('no malloc_trim here');
  gc();
});
clearInterval(keepAlive);
console.log(JSON.stringify({ base, filled, collected, trimmed, living: living.length }));
