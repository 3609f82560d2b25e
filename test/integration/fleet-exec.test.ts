// SSH exec channels as the fleet code opens and closes them, against a real sshd: a refused channel says so, and a
// bridge that is closed still gets every byte written to it before.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { remoteLayout } from '../../main/fleet/bootstrap';
import { SshLink } from '../../main/fleet/link';
import { execChannel, shellQuote } from '../../main/fleet/remoteExec';
import { startSshd, type Sshd } from '../harness/sshd';
import { connectRaw } from './fleet/rawSsh';

/** Resolves when `path` exists (it is created by a rename, which the directory watch reports). */
async function fileAppears(path: string): Promise<void> {
  const watcher = watch(dirname(path));
  try {
    const appeared = new Promise<void>((resolve) => watcher.on('change', (_event, name) => name === basename(path) && resolve()));
    if (!existsSync(path)) await appeared;
  } finally {
    watcher.close();
  }
}

describe('exec channels', { timeout: 60_000 }, () => {
  let sshd: Sshd | undefined;
  let client: ssh2.Client | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    client?.end();
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    sshd = client = dir = undefined;
  });

  it('names a channel that sshd refuses (MaxSessions) as such', async () => {
    sshd = await startSshd({ hardened: true, extraConfig: ['Match all', '  MaxSessions 1'] });
    client = await connectRaw(sshd);
    const first = await execChannel(client, 'cat');
    const refused = await execChannel(client, 'true').catch((error: unknown) => error);
    expect(refused).toMatchObject({
      name: 'FleetError',
      code: 'channel-refused',
      message: expect.stringMatching(/^the SSH server refused to open another session channel \(sshd MaxSessions\?\): Channel open failure/),
    });
    first.end();
  });

  it('lets a closed bridge take every byte queued before the close (no write dropped for want of window)', async () => {
    sshd = await startSshd({ hardened: true });
    client = await connectRaw(sshd);
    dir = await mkdtemp(join(tmpdir(), 'flightdeck-exec-'));
    const received = join(dir, 'received');
    // Far more than an SSH channel window (2 MiB with OpenSSH): most of it is still queued when close() is called.
    const sent = randomBytes(8 * 1024 * 1024);
    const live = client;
    const link = new SshLink({ client: live, hops: [live], close: () => live.end() }, remoteLayout(dir, 'test'), 'vm', `cat > ${shellQuote(received)} && mv ${shellQuote(received)} ${shellQuote(`${received}.done`)}`);
    const transport = await link.openBridge();
    for (let at = 0; at < sent.length; at += 64 * 1024) transport.write(sent.subarray(at, at + 64 * 1024));
    transport.close();
    await fileAppears(`${received}.done`);
    const got = readFileSync(`${received}.done`);
    expect(got.length).toBe(sent.length);
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(sent).digest('hex'));
  });
});
