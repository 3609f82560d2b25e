import { ReceivedStream, type ThroughputFile, type ThroughputResult } from '../fixtures';
import { SCREEN } from '../screen';
import { CoreFollower, type CoreBench } from './core';
import type { BenchHost } from './host';

const TIMEOUT_MS = 180_000;

/**
 * `cat file` in an agent-host session, received by the client core (FleetCore → CoreClient sink), acked and checked.
 * The session stays alive after cat (exec sleep) so this measures streaming only; that every byte of an exiting
 * process reaches the journal is asserted by the fault suite (test/fault/exit-tail.test.ts).
 */
export async function flightdeckCat(bench: CoreBench, inspector: BenchHost, file: ThroughputFile): Promise<ThroughputResult> {
  const { client } = bench;
  const received = new ReceivedStream(file, inspector.daemonPid);
  const { session } = await client.request('sessions.start', {
    host: 'vm',
    spec: { command: 'sh', args: ['-c', 'cat "$1"; exec sleep 3600', 'sh', file.path], ...SCREEN, name: 'bench-throughput' },
  });
  let finish: (error?: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => (finish = (error) => (error ? reject(error) : resolve())));
  const follower = new CoreFollower(bench, 'vm', session.id, (data) => {
    received.add(data);
    if (received.bytes >= file.expectedBytes) finish();
  });
  const timer = setTimeout(() => finish(new Error(`only ${received.bytes} of ${file.expectedBytes} bytes after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  try {
    const attached = await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    if (attached.streamFrom !== 0) throw new Error(`attach from 0 streams from ${attached.streamFrom}`);
    await finished;
    if (follower.error) throw follower.error;
    return received.verify();
  } finally {
    clearTimeout(timer);
    follower.stop();
    await client.request('terminal.detach', { host: 'vm', sessionId: session.id }).catch(() => undefined);
    // Each run journals the whole file: drop it before the next.
    await inspector.peer.request('session.kill', { sessionId: session.id }).catch(() => undefined);
    await removeWhenEnded(inspector, session.id);
  }
}

/** session.remove is refused while the process runs; kill is asynchronous (SIGHUP, then SIGKILL after a grace). */
async function removeWhenEnded(inspector: BenchHost, sessionId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const info = (await inspector.peer.request('session.list', {})).sessions.find((candidate) => candidate.id === sessionId);
    if (!info) return;
    if (info.status === 'exited' || info.status === 'interrupted') {
      await inspector.peer.request('session.remove', { sessionId });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
