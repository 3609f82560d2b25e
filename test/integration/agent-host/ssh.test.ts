import { createHash } from 'node:crypto';
import type { Client } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../../harness/sshd';
import { execSshBridge, hello, OutputCollector, waitFor, type HostPeer } from './client';
import { emitCommand, sshConnect, StateDirs } from './fixture';
import { expectedBytes } from './fixtures/emit.mjs';

let sshd: Sshd;
const dirs = new StateDirs();
const clients: Client[] = [];

beforeAll(async () => {
  sshd = await startSshd({ hardened: true });
});

afterAll(async () => {
  await sshd?.stop();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.end();
  await dirs.cleanup();
});

async function connectBridge(stateDir: string, args: string[] = []): Promise<{ ssh: Client; peer: HostPeer }> {
  const ssh = await sshConnect(sshd);
  clients.push(ssh);
  const { peer } = await execSshBridge(ssh, { stateDir, args });
  await hello(peer, `${sshd.user}@test-laptop`);
  return { ssh, peer };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('agent-host over a real SSH exec channel (hardened sshd: no forwarding)', () => {
  it('starts bash, types a command and reads its echo', async () => {
    const { peer } = await connectBridge(await dirs.make());
    const { session } = await peer.request('session.start', { command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: 'vm$ ' } });
    const output = new OutputCollector(peer, session.id, 0);
    await peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    await output.untilText('vm$ ');
    await peer.request('session.input', { sessionId: session.id, data: 'echo "over $((6*7)) ssh"\r' });
    await output.untilText('over 42 ssh\r\n');
  });

  it('shows two viewers the same bytes', async () => {
    const stateDir = await dirs.make();
    const total = 2 * 1024 * 1024;
    const first = await connectBridge(stateDir);
    const second = await connectBridge(stateDir, []);
    const { session } = await first.peer.request('session.start', { ...emitCommand(total, 16384, 2) });
    const a = new OutputCollector(first.peer, session.id, 0);
    const b = new OutputCollector(second.peer, session.id, 0);
    await Promise.all([
      first.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 }),
      second.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 }),
    ]);
    await Promise.all([a.until((c) => c.next >= total, 60_000), b.until((c) => c.next >= total, 60_000)]);
    expect(a.sha256()).toBe(b.sha256());
    expect(a.sha256()).toBe(sha256(expectedBytes(total)));
  });

  it('keeps the session running when the SSH connection dies mid-stream and resumes byte-exact from the last ack', async () => {
    const stateDir = await dirs.make();
    const total = 3 * 1024 * 1024;
    const first = await connectBridge(stateDir);
    // Paced output so the connection dies while it streams.
    const { session } = await first.peer.request('session.start', { ...emitCommand(total, 16384, 5) });
    const before = new OutputCollector(first.peer, session.id, 0);
    await first.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    await before.until((c) => c.next >= 256 * 1024, 30_000);
    // Kill sshd's per-connection processes: the TCP connection and the bridge die abruptly.
    const killedAt = before.next;
    before.autoAck = false;
    for (const pid of sshd.childPids()) process.kill(pid, 'SIGKILL');
    await new Promise<void>((resolve) => first.peer.onClose(() => resolve()));
    const lastAcked = before.next;
    expect(lastAcked).toBeGreaterThanOrEqual(killedAt);
    expect(lastAcked).toBeLessThan(total);

    const second = await connectBridge(stateDir);
    const list = await second.peer.request('session.list', {});
    const info = list.sessions.find((s) => s.id === session.id)!;
    expect(info.status).not.toBe('interrupted');
    const after = new OutputCollector(second.peer, session.id, lastAcked);
    const resumed = await second.peer.request('session.attach', { sessionId: session.id, fromOffset: lastAcked });
    expect(resumed.streamFrom).toBe(lastAcked);
    expect(resumed.snapshot).toBeNull();
    await after.until((c) => c.next >= total, 60_000);
    const joined = new Uint8Array(total);
    joined.set(before.bytes.subarray(0, lastAcked), 0);
    joined.set(after.bytes, lastAcked);
    expect(sha256(joined)).toBe(sha256(expectedBytes(total)));
    await waitFor(async () => {
      const { sessions } = await second.peer.request('session.list', {});
      return sessions.find((s) => s.id === session.id)?.status === 'exited';
    }, 'the emitter to exit');
  });
});
