import { once } from 'node:events';
import { spawn as spawnPty } from 'node-pty';
import type { Client, ClientChannel } from 'ssh2';
import type { Sshd } from '../../harness/sshd';
import { EchoProbe } from '../echo';
import { SCREEN } from '../screen';
import { READY_MARKER } from '../ssh';

/** `ssh -tt host cat` in a local PTY (as a user's terminal runs it); the remote PTY's line discipline echoes. */
export async function sshTtEcho(sshd: Sshd, trips: number): Promise<{ p50: number; p99: number }> {
  const terminal = spawnPty('ssh', ['-tt', ...sshd.sshArgs(), `printf ${READY_MARKER}; exec cat`], { name: 'xterm-256color', ...SCREEN });
  const exited = new Promise<void>((resolve) => terminal.onExit(() => resolve()));
  const probe = new EchoProbe((byte) => terminal.write(byte));
  // Until ssh has put the local PTY in raw mode, the local line discipline would echo: wait for the remote side.
  let preamble = '';
  const remoteUp = new Promise<void>((resolve) =>
    terminal.onData((data) => {
      if (preamble.includes(READY_MARKER)) return probe.receive(data);
      preamble += data;
      if (preamble.includes(READY_MARKER)) resolve();
    }),
  );
  try {
    await remoteUp;
    await probe.ready();
    return await probe.measure(trips);
  } finally {
    terminal.kill();
    await exited;
  }
}

/** The same through an ssh2 exec channel with a PTY, for reference. */
export async function ssh2Echo(client: Client, trips: number): Promise<{ p50: number; p99: number }> {
  const channel = await new Promise<ClientChannel>((resolve, reject) =>
    client.exec('cat', { pty: { ...SCREEN, term: 'xterm-256color' } }, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
  const probe = new EchoProbe((byte) => channel.write(byte));
  channel.on('data', (chunk: Buffer) => probe.receive(chunk));
  channel.stderr.resume();
  try {
    await probe.ready();
    return await probe.measure(trips);
  } finally {
    const closed = once(channel, 'close');
    channel.close();
    await closed;
  }
}
