import type { Client } from 'ssh2';
import type { BenchContext } from '../context';
import { writeThroughputFile, type ThroughputFile } from '../fixtures';
import { ssh2ExecCat, sshTtCat } from '../peers/throughput';
import { connectSsh2 } from '../ssh';
import type { Group } from '../suite';
import { openFlightdeckHost, type FlightdeckHost } from '../flightdeck/core';
import { flightdeckCat } from '../flightdeck/throughput';
import { join } from 'node:path';

const SSH_TT = 'ssh -tt host cat (OpenSSH)';

export function throughputGroup(context: BenchContext): Group {
  let file: ThroughputFile | undefined;
  let client: Client | undefined;
  let host: FlightdeckHost | undefined;
  const theFile = (): ThroughputFile => file!;
  const mb = (context.sizes.throughputBytes / 1e6).toFixed(0);
  return {
    id: 'throughput',
    title: `Throughput: cat of a ${mb} MB file through a PTY over SSH`,
    metrics: [{ key: 'mbps', label: 'throughput', unit: 'MB/s', better: 'higher', digits: 1 }],
    peer: SSH_TT,
    budgetMs: 200_000,
    rounds: context.sizes.throughputRounds,
    async setup() {
      file = await writeThroughputFile(context.dir, context.sizes.throughputBytes);
      client = await connectSsh2(context.sshd);
      // Journal retention above the file size: the viewer must be able to lag without being cut off, so every byte can be checked.
      host = await openFlightdeckHost(context.sshd, join(context.dir, 'flightdeck-throughput'), ['--retention-bytes', String(2 * file.expectedBytes)]);
    },
    async teardown() {
      client?.end();
      await host?.stop();
    },
    contenders: [
      { name: SSH_TT, run: async () => ({ mbps: await sshTtCat(context.sshd, theFile()) }) },
      { name: 'ssh2 exec with PTY, cat', run: async () => ({ mbps: await ssh2ExecCat(client!, theFile()) }) },
      { name: FLIGHTDECK_THROUGHPUT, run: async () => ({ mbps: await flightdeckCat(host!.bench, host!.inspector, theFile()) }) },
    ],
    targets: [
      {
        metric: 'mbps',
        text: 'Flightdeck throughput >= 1.0x ssh -tt',
        check: (median) => {
          const ours = median(FLIGHTDECK_THROUGHPUT);
          const peer = median(SSH_TT);
          if (ours === undefined || peer === undefined) return undefined;
          return { measured: `${ours.toFixed(1)} vs ${peer.toFixed(1)} MB/s = ${(ours / peer).toFixed(2)}x`, pass: ours >= peer };
        },
      },
    ],
    notes: [
      'Flightdeck: the client core (FleetCore + CoreClient, as a desktop window uses it) over its own SSH connection and `agent-host bridge` exec channel; the daemon runs `cat` in a PTY (node-pty), journals every byte, streams OUTPUT frames; the bench consumes the CoreClient sink, checks offsets, acks every chunk and hashes. The daemon runs with `--retention-bytes` above the file size so a lagging viewer is never cut off.',
      'MB/s of file content (10^6 bytes), from the first received byte to the last, so connection setup is not counted.',
      'Every contender receives the PTY-translated bytes (\\n → \\r\\n) in Node and checks length and sha256 against the expected stream; a run with any gap or duplicate fails.',
    ],
  };
}

export const FLIGHTDECK_THROUGHPUT = 'Flightdeck: agent-host session over SSH, client core';
