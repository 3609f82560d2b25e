import { Client } from 'ssh2';
import { fingerprintOfBlob, type Sshd } from '../harness/sshd';

/** What an ssh2 client needs to reach the harness sshd (serializable, so a child process can use it too). */
export type SshTarget = Pick<Sshd, 'host' | 'port' | 'user' | 'clientPrivateKey' | 'hostKeyFingerprint'>;

export function connectSsh2(sshd: SshTarget): Promise<Client> {
  const client = new Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => {
      if (process.env.BENCH_NODELAY === '1') client.setNoDelay(true);
      resolve(client);
    });
    client.once('error', reject);
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.clientPrivateKey,
      hostVerifier: (key: Buffer) => fingerprintOfBlob(key) === sshd.hostKeyFingerprint,
    });
  });
}

/** Quotes one argument for the remote user's POSIX shell. */
export function shellQuote(argument: string): string {
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/** Remote shell snippet that announces it is running; the client starts its clock only after seeing it. */
export const READY_MARKER = '__FLIGHTDECK_BENCH_READY__';
