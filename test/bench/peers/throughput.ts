import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Client } from 'ssh2';
import type { Sshd } from '../../harness/sshd';
import { ReceivedStream, type ThroughputFile, type ThroughputResult } from '../fixtures';
import { SCREEN } from '../screen';
import { shellQuote } from '../ssh';

/** `ssh -tt host cat file` with the OpenSSH client, its stdout read (and checked) by Node. */
export async function sshTtCat(sshd: Sshd, file: ThroughputFile): Promise<ThroughputResult> {
  const child = spawn('ssh', ['-tt', ...sshd.sshArgs(), 'cat', shellQuote(file.path)], { stdio: ['pipe', 'pipe', 'ignore'] });
  const received = new ReceivedStream(file);
  child.stdout.on('data', (chunk: Buffer) => received.add(chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`ssh -tt cat exited with ${code}`);
  return received.verify();
}

/** The same `cat` on an ssh2 exec channel with a PTY: the cost of ssh2 alone, without our layers. */
export async function ssh2ExecCat(client: Client, file: ThroughputFile): Promise<ThroughputResult> {
  const received = new ReceivedStream(file);
  await new Promise<void>((resolve, reject) => {
    client.exec(`cat ${shellQuote(file.path)}`, { pty: { cols: SCREEN.cols, rows: SCREEN.rows, term: 'xterm-256color' } }, (error, channel) => {
      if (error) return reject(error);
      channel.on('data', (chunk: Buffer) => received.add(chunk));
      channel.stderr.resume();
      channel.on('close', () => resolve());
    });
  });
  return received.verify();
}
