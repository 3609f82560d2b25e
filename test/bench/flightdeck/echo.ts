import { EchoProbe } from '../echo';
import { SCREEN } from '../screen';
import { CoreFollower, type CoreBench } from './core';

/** A keystroke through the client core (CoreClient.input → INPUT frame) into the session's PTY; its echo comes back as OUTPUT. */
export async function flightdeckEcho(bench: CoreBench, trips: number): Promise<{ p50: number; p99: number }> {
  const { client } = bench;
  const { session } = await client.request('sessions.start', { host: 'vm', spec: { command: 'cat', ...SCREEN, name: 'bench-echo' } });
  const encoder = new TextEncoder();
  const probe = new EchoProbe((byte) => bench.input('vm', session.id, encoder.encode(byte)));
  const follower = new CoreFollower(bench, 'vm', session.id, (data) => probe.receive(data));
  try {
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    await probe.ready();
    const result = await probe.measure(trips);
    if (follower.error) throw follower.error;
    return result;
  } finally {
    follower.stop();
    await client.request('terminal.detach', { host: 'vm', sessionId: session.id }).catch(() => undefined);
    await client.request('sessions.kill', { host: 'vm', sessionId: session.id }).catch(() => undefined);
  }
}
