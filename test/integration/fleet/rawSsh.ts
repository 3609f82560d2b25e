// A bare ssh2 client to a harness sshd, for tests that drive main/fleet's exec-channel code directly.
import ssh2 from 'ssh2';
import type { Sshd } from '../../harness/sshd';

export function connectRaw(sshd: Pick<Sshd, 'host' | 'port' | 'user' | 'clientPrivateKey'>): Promise<ssh2.Client> {
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.clientPrivateKey });
  });
}
