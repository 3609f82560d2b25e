// Measures agent-host throughput and attach times through a local bridge (not a test: run with
// `npx tsx test/integration/agent-host/bench.ts [MiB]`). Numbers go to docs/agent-host.md by hand.
import * as pty from 'node-pty';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hello, OutputCollector, spawnLocalBridge } from './client';
import { stopDaemon } from './fixture';

const mib = Number(process.argv[2] ?? 32);

/** user+system CPU of a process so far, from /proc (load on the machine does not inflate it much). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
const dir = mkdtempSync(join(tmpdir(), 'fd-bench-'));
const file = join(dir, 'big.txt');
const line = 'x'.repeat(99) + '\n';
writeFileSync(file, line.repeat((mib * 1024 * 1024) / 100));

// Reference: the same cat read straight from a PTY by node-pty, no daemon.
await new Promise<void>((resolve) => {
  const start = performance.now();
  let bytes = 0;
  const raw = pty.spawn('cat', [file], { encoding: null });
  raw.onData((data) => (bytes += data.length));
  raw.onExit(() => {
    const seconds = (performance.now() - start) / 1000;
    console.log(`reference, node-pty alone: ${(bytes / 1048576 / seconds).toFixed(1)} MiB/s`);
    resolve();
  });
});

const bridge = spawnLocalBridge({ stateDir: join(dir, 'state') });
try {
  await hello(bridge.peer);
  const exited = new Promise<number>((resolve) =>
    bridge.peer.onNotification('session.event', (event) => event.type === 'exited' && resolve(event.session.endOffset)),
  );
  const { pid } = await bridge.peer.request('host.stats', {});
  const cpuBefore = cpuMs(pid);
  const start = performance.now();
  const { session } = await bridge.peer.request('session.start', { command: 'cat', args: [file] });
  const live = new OutputCollector(bridge.peer, session.id, 0);
  await bridge.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
  const total = await exited;
  await live.until((c) => c.next >= total, 120_000);
  const seconds = (performance.now() - start) / 1000;
  const expected = Math.floor((mib * 1024 * 1024) / 100) * 101;
  console.log(
    `cat ${mib} MiB file through the daemon: ${total} bytes (expected ${expected} after the PTY's \\r\\n), ` +
      `${seconds.toFixed(2)} s, ${(total / 1048576 / seconds).toFixed(1)} MiB/s; ` +
      `daemon CPU ${((cpuMs(pid) - cpuBefore) / (total / 1048576)).toFixed(1)} ms per MiB`,
  );

  const other = spawnLocalBridge({ stateDir: join(dir, 'state') });
  await hello(other.peer);
  let t = performance.now();
  const snap = await other.peer.request('session.attach', { sessionId: session.id, fromOffset: null });
  console.log(`attach (snapshot) to a session with ${(total / 1048576).toFixed(0)} MiB output (retained from ${snap.session.retainedFrom}): ${(performance.now() - t).toFixed(1)} ms`);
  t = performance.now();
  const replay = new OutputCollector(other.peer, session.id, snap.session.retainedFrom);
  await other.peer.request('session.detach', { sessionId: session.id });
  await other.peer.request('session.attach', { sessionId: session.id, fromOffset: snap.session.retainedFrom });
  await replay.until((c) => c.next >= total, 120_000);
  const replayed = total - snap.session.retainedFrom;
  const replaySeconds = (performance.now() - t) / 1000;
  console.log(`replay of the retained ${(replayed / 1048576).toFixed(1)} MiB: ${(replaySeconds * 1000).toFixed(0)} ms (${(replayed / 1048576 / replaySeconds).toFixed(1)} MiB/s)`);
  const stats = await other.peer.request('host.stats', {});
  console.log(`daemon rss ${(stats.rssBytes / 1048576).toFixed(0)} MiB`);
  other.peer.close();
} finally {
  bridge.peer.close();
  await stopDaemon(join(dir, 'state'));
  rmSync(dir, { recursive: true, force: true });
}
