// Child process for heapTrimmer.test.ts (node --expose-gc --import tsx): like screens going to sleep in a daemon that
// then stays idle, 100 screens' worth of line buffers become garbage after the last major GC and nothing allocates
// afterwards. The test's own code never calls gc(): the trimmer must ask for the collection and then trim.
import { startHeapTrimmer } from '../heapTrimmer';

const MiB = 1024 * 1024;
const rss = () => Math.round(process.memoryUsage().rss / MiB);

const trimmedAfterCollect = new Promise<number>((resolve) => {
  let trims = 0;
  const trimmer = startHeapTrimmer({
    collectCheckMs: 200,
    onTrim: () => {
      // The first trim follows the GC that collected the buffers.
      if (++trims === 1) {
        trimmer.stop();
        resolve(rss());
      }
    },
  });
  if (!trimmer.trimming) throw new Error('no malloc_trim here');
});
const living: Uint8Array[] = [];
let dying: Uint8Array[] | null = [];
for (let screen = 0; screen < 100; screen++) {
  for (let line = 0; line < 1000; line++) dying.push(new Uint8Array(1400));
  living.push(new Uint8Array(200));
}
const filled = rss();
dying = null;
// The trimmer's timers do not hold the event loop open; the daemon's sockets do, this does here.
const keepAlive = setInterval(() => {}, 60_000);
const trimmed = await trimmedAfterCollect;
clearInterval(keepAlive);
console.log(JSON.stringify({ filled, trimmed, living: living.length }));
