import { historyBytes, historyCommand, historyLine } from '../fixtures';
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

/** Lines of scrollback the host keeps with a session's screen (agent-host/sessions/screen.ts). */
const HOST_SCROLLBACK_LINES = 1000;

export type AttachTimes = {
  /** Milliseconds to the complete visible screen. */
  ms: number;
  /** Milliseconds to that screen with the host's whole scrollback above it. */
  historyMs: number;
};

/**
 * From the client core's terminal.attach (current screen first, then live) to a complete screen in the viewer's
 * emulator, and to the same screen with its scrollback (the 'scrollback' event that follows a screenFirst attach).
 */
export async function flightdeckAttach(bench: CoreBench, sessionId: string, lines: number, expectedScreen: string[]): Promise<AttachTimes> {
  const watcher = new ScreenWatcher(expectedScreen);
  // The core may hand over the scrollback and live frames before the attach answer returns: hold them until the
  // answer's screen is written, as the renderer does.
  let early: (string | Uint8Array)[] | null = [];
  const write = (data: string | Uint8Array): void => {
    if (early) early.push(data);
    else watcher.write(data);
  };
  const stopOutput = bench.onOutput('vm', sessionId, (offset, data) => {
    write(data.slice());
    bench.ack('vm', sessionId, offset + data.length);
  });
  const stopViewer = bench.onViewer('vm', sessionId, (event) => {
    if (event.state === 'scrollback') write(`\x1bc${event.snapshot.data}`);
  });
  const started = process.hrtime.bigint();
  const elapsedMs = (at: bigint): number => Number(at - started) / 1e6;
  let timer: NodeJS.Timeout | undefined;
  try {
    const attached = await bench.client.request('terminal.attach', { host: 'vm', sessionId, fromOffset: null, screenFirst: true });
    if (attached.snapshot) watcher.write(attached.snapshot.data);
    for (const data of early) watcher.write(data);
    early = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Flightdeck screen incomplete: ${JSON.stringify(watcher.visibleRows().slice(-3))}`)), SCREEN_TIMEOUT_MS);
    });
    const ms = elapsedMs(await Promise.race([watcher.complete, timeout]));
    const oldest = historyLine(lines - SCREEN.rows + 1 - HOST_SCROLLBACK_LINES + 1);
    return { ms, historyMs: elapsedMs(await Promise.race([watcher.untilHistory(oldest, HOST_SCROLLBACK_LINES), timeout])) };
  } finally {
    clearTimeout(timer);
    stopOutput();
    stopViewer();
    watcher.dispose();
    await bench.client.request('terminal.detach', { host: 'vm', sessionId }).catch(() => undefined);
  }
}
