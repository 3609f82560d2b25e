// Questions to a human and the handshake deadline: a slow answer is not "unreachable", the deadline still
// holds when nobody is asked, and an attempt that ends (or is superseded) withdraws the questions it raised.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Prompt } from '../../common/app/prompts';
import { HostConfig, type HostView } from '../../common/app/hosts';
import { PromptBroker } from '../../main/core/promptBroker';
import { HostConnection } from '../../main/fleet/hostConnection';
import type { SshEndpoint } from '../../main/ssh/config';
import { connectRoute } from '../../main/ssh/connect';
import { Store } from '../../main/store/store';
import { startSshd, type Sshd } from '../harness/sshd';

function endpointOf(sshd: Sshd, port = sshd.port): SshEndpoint {
  return {
    spec: 'vm',
    hostName: sshd.host,
    port,
    user: sshd.user,
    identityFiles: [sshd.clientKeyPath],
    identityFilesExplicit: true,
    identitiesOnly: true,
    knownHostsFiles: [],
  };
}

/** Resolves with the next prompt the broker raises. */
const nextPrompt = (broker: PromptBroker): Promise<Prompt> =>
  new Promise((resolve) => {
    const stop = broker.onRaised((prompt) => {
      stop();
      resolve(prompt);
    });
  });

const settledOnce = (broker: PromptBroker, id: string): Promise<void> =>
  new Promise((resolve) => {
    const stop = broker.onSettled((settled) => {
      if (settled !== id) return;
      stop();
      resolve();
    });
  });

describe('prompts and the handshake deadline', { timeout: 60_000 }, () => {
  let dir: string;
  let store: Store;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flightdeck-prompts-'));
    store = Store.open(join(dir, 'home'));
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('waits for a human slower than the handshake timeout (host key and passphrase), and still times out a silent host', async () => {
    const sshd = await startSshd({ hardened: true, clientKeyPassphrase: 'slow human' });
    cleanups.push(() => sshd.stop());
    // Decrypting the key (a bcrypt KDF) alone takes ~0.5 s of the handshake on a busy machine.
    const timeoutMs = 1500;
    const broker = new PromptBroker();
    const asked: string[] = [];
    broker.onRaised((prompt) => {
      asked.push(prompt.kind);
      // The human takes longer than the whole timeout to answer each question.
      setTimeout(() => {
        if (prompt.kind === 'host-key') broker.answer({ id: prompt.id, kind: 'host-key', trust: true });
        else broker.answer({ id: prompt.id, kind: 'passphrase', passphrase: 'slow human' });
      }, timeoutMs * 1.5);
    });
    const started = performance.now();
    const connection = await connectRoute({
      hostName: 'vm',
      route: { jumps: [], target: endpointOf(sshd) },
      store,
      prompter: broker,
      agentSocket: '',
      readyTimeoutMs: timeoutMs,
    });
    connection.close();
    expect(asked).toEqual(['host-key', 'passphrase']);
    expect(performance.now() - started).toBeGreaterThan(timeoutMs * 3);

    // A host that accepts TCP and never speaks SSH: nobody is asked, so the deadline runs out.
    const sockets: Socket[] = [];
    const tarpit: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => tarpit.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => tarpit.close(() => resolve()));
    });
    const port = (tarpit.address() as { port: number }).port;
    await expect(
      connectRoute({ hostName: 'vm', route: { jumps: [], target: endpointOf(sshd, port) }, store, prompter: broker, agentSocket: '', readyTimeoutMs: timeoutMs }),
    ).rejects.toThrow(`root@127.0.0.1:${port} is unreachable: no SSH handshake within 1.5 s`);
  });

  it('withdraws the prompt of an attempt the host gave up on before the retry asks again, and of a disconnected one', async () => {
    // sshd drops a connection that has not authenticated within a second: the first attempt fails while asking.
    const sshd = await startSshd({ hardened: true, extraConfig: ['LoginGraceTime 1'] });
    cleanups.push(() => sshd.stop());
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    vi.stubEnv('FLIGHTDECK_SSH_CONFIG', empty);
    vi.stubEnv('FLIGHTDECK_KNOWN_HOSTS', empty);
    cleanups.push(() => {
      vi.unstubAllEnvs();
    });
    const broker = new PromptBroker();
    const host = new HostConnection(
      HostConfig.parse({ name: 'vm', kind: 'ssh', target: `${sshd.user}@${sshd.host}:${sshd.port}`, identityFile: sshd.clientKeyPath }),
      { store, prompter: broker, home: dir, clientName: 'test', clientVersion: '0', backoff: { baseMs: 20, capMs: 40 } },
    );
    cleanups.push(() => host.close());

    const first = nextPrompt(broker);
    const firstAttempt = host.connect();
    const asked = await first;
    const withdrawn = settledOnce(broker, asked.id);
    const retried = nextPrompt(broker);
    await expect(firstAttempt).rejects.toThrow(/127\.0\.0\.1/);
    await withdrawn;
    const again = await retried;
    expect(broker.list()).toEqual([again]);

    // A disconnect while the retry asks: that question goes too, and nothing reconnects.
    const states: HostView['state'][] = [];
    host.onChange((view) => states.push(view.state));
    const gone = settledOnce(broker, again.id);
    host.disconnect();
    await gone;
    expect(broker.list()).toEqual([]);
    // A connect after it is a fresh attempt (not the abandoned one, which ends without a retry): it asks afresh.
    const fresh = nextPrompt(broker);
    const attempt = host.connect();
    expect((await fresh).id).not.toBe(again.id);
    expect(broker.list()).toHaveLength(1);
    host.close();
    await expect(attempt).rejects.toThrow(`the connection attempt to root@127.0.0.1:${sshd.port} was abandoned`);
    expect(broker.list()).toEqual([]);
    expect(states).toEqual(['disconnected', 'connecting']);
  });
});
