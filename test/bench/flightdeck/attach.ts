import { historyBytes, historyCommand } from '../fixtures';
import { SCREEN, ScreenWatcher } from '../screen';
import type { CoreBench } from './core';
import type { BenchHost } from './host';

const READY_TIMEOUT_MS = 60_000;
const SCREEN_TIMEOUT_MS = 15_000;

/** Starts a session that prints `lines` of history and then waits; resolves once all of it is journaled. */
export async function startHistorySession(bench: CoreBench, inspector: BenchHost, lines: number): Promise<string> {
  const { session } = await bench.client.request('sessions.start', {
    host: 'vm',
    spec: { command: 'sh', args: ['-c', historyCommand(lines)], ...SCREEN, name: 'bench-history' },
  });
  const expected = historyBytes(lines);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  // No event says "done printing": poll the journal's end offset.
  for (;;) {
    const info = (await inspector.peer.request('session.list', {})).sessions.find((candidate) => candidate.id === session.id);
    if (info && info.endOffset >= expected) return session.id;
    if (Date.now() > deadline) throw new Error(`history session journaled ${info?.endOffset ?? 0} of ${expected} bytes`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Milliseconds from the client core's terminal.attach (current screen, then live) to a complete screen in the viewer's emulator. */
export async function flightdeckAttach(bench: CoreBench, sessionId: string, expectedScreen: string[]): Promise<number> {
  const watcher = new ScreenWatcher(expectedScreen);
  // The core may hand over live frames before the attach answer returns: hold them until the snapshot is on screen.
  let early: Uint8Array[] | null = [];
  const stop = bench.onOutput('vm', sessionId, (offset, data) => {
    if (early) early.push(data.slice());
    else watcher.write(data);
    bench.ack('vm', sessionId, offset + data.length);
  });
  const started = process.hrtime.bigint();
  let timer: NodeJS.Timeout | undefined;
  try {
    const attached = await bench.client.request('terminal.attach', { host: 'vm', sessionId, fromOffset: null });
    if (attached.snapshot) watcher.write(attached.snapshot.data);
    for (const data of early) watcher.write(data);
    early = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Flightdeck screen incomplete: ${JSON.stringify(watcher.visibleRows().slice(-3))}`)), SCREEN_TIMEOUT_MS);
    });
    await Promise.race([watcher.complete, timeout]);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    clearTimeout(timer);
    stop();
    watcher.dispose();
    await bench.client.request('terminal.detach', { host: 'vm', sessionId }).catch(() => undefined);
  }
}
