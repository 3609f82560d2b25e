// The real OpenSSH client as the transport of a host peer: what an SSH key may run on the harness's sshd decides what
// answers (a key bound to `agent-host bridge --as NAME` gets that bridge whatever command it asks for).
import { spawn, type ChildProcess } from 'node:child_process';
import { hostProtocol } from '../../../common/protocol/methods';
import { RpcPeer } from '../../../common/wire/peer';
import { SocketTransport } from '../../../agent-host/wire/socketTransport';
import type { KeyPair, Sshd } from '../../harness/sshd';
import type { HostPeer } from './client';

export interface SshPeer {
  peer: HostPeer;
  child: ChildProcess;
  stderr: () => string;
}

/** `ssh -i KEY host COMMAND…` with no config of the user's; the caller kills `child` when done. */
export function sshPeer(sshd: Pick<Sshd, 'host' | 'port' | 'user'>, key: KeyPair, command: string[]): SshPeer {
  const child = spawn(
    'ssh',
    [
      '-F', 'none',
      '-i', key.privateKeyPath,
      '-o', 'IdentitiesOnly=yes',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'LogLevel=ERROR',
      '-p', String(sshd.port),
      `${sshd.user}@${sshd.host}`,
      ...command,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const peer = new RpcPeer(hostProtocol, new SocketTransport(child.stdout!, child.stdin!), { requestTimeoutMs: 20_000 });
  return { peer, child, stderr: () => stderr };
}
