import { availableParallelism } from 'node:os';
import type { Client } from 'ssh2';
import type { BenchContext } from '../context';
import { writeThroughputFile, type ThroughputFile, type ThroughputResult } from '../fixtures';
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
    metrics: [
      { key: 'mbps', label: 'throughput', unit: 'MB/s', better: 'higher', digits: 1 },
      { key: 'cpuMsPerMb', label: 'CPU of all processes per MB', unit: 'ms/MB', better: 'lower', digits: 0 },
      { key: 'clientCpuMsPerMb', label: 'bench process CPU per MB (receiver; ssh2 or the client core)', unit: 'ms/MB', better: 'lower', digits: 0 },
      { key: 'daemonCpuMsPerMb', label: 'agent-host daemon CPU per MB', unit: 'ms/MB', better: 'lower', digits: 0 },
    ],
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
      { name: SSH_TT, run: async () => figures(await sshTtCat(context.sshd, theFile())) },
      { name: 'ssh2 exec with PTY, cat', run: async () => figures(await ssh2ExecCat(client!, theFile())) },
      { name: FLIGHTDECK_THROUGHPUT, run: async () => figures(await flightdeckCat(host!.bench, host!.inspector, theFile())) },
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
    findings: (result) => {
      // Every contender here is a pipeline of processes on this machine's cores: its CPU per MB bounds its MB/s.
      const cores = availableParallelism();
      return result.group.contenders.flatMap(({ name }) => {
        const figures = result.summaries.get(name);
        const cpu = figures?.get('cpuMsPerMb')?.median;
        const mbps = figures?.get('mbps')?.median;
        if (cpu === undefined || mbps === undefined) return [];
        return [`${name}: ${cpu.toFixed(0)} ms of CPU per MB; ${cores} cores give at most ${((cores * 1000) / cpu).toFixed(0)} MB/s at that cost (measured ${mbps.toFixed(1)}; busy ${((mbps * cpu) / 10 / cores).toFixed(0)} % of the machine)`];
      });
    },
    notes: [
      'Flightdeck: the client core (FleetCore + CoreClient, as a desktop window uses it) over its own SSH connection (the lane starts on the `agent-host bridge` exec channel and moves to a direct-streamlocal channel to the daemon\'s socket, as for users); the daemon runs `cat` in a PTY (node-pty), journals every byte, streams OUTPUT frames; the bench consumes the CoreClient sink, checks offsets, acks every chunk and compares it. The daemon runs with `--retention-bytes` above the file size so a lagging viewer is never cut off.',
      'MB/s of file content (10^6 bytes), from the first received byte to the last, so connection setup is not counted.',
      'Every contender receives the PTY-translated bytes (\\n → \\r\\n) in Node and compares each chunk with the expected stream held in memory (one memcmp: the check costs every contender alike and little); a run with any gap, duplicate or wrong byte fails.',
      'CPU per MB: /proc/stat of the whole machine (user, system, irq; not idle, iowait or steal) from the first received byte to the last, per MB of file content: the contender\'s processes, sshd and the bench\'s receiver; the bench process\'s share (for ssh -tt the receiver only: the OpenSSH client is a process of its own) and the daemon\'s from /proc/PID/stat over the same window. Session start and the journal\'s removal after a run are outside the window.',
    ],
  };
}

/** The figures of one run, named as the group's metrics. */
function figures(result: ThroughputResult): Record<string, number> {
  const { mbps, cpuMsPerMb, ownCpuMsPerMb, processCpuMsPerMb } = result;
  return { mbps, cpuMsPerMb, clientCpuMsPerMb: ownCpuMsPerMb, ...(processCpuMsPerMb === undefined ? {} : { daemonCpuMsPerMb: processCpuMsPerMb }) };
}

export const FLIGHTDECK_THROUGHPUT = 'Flightdeck: agent-host session over SSH, client core';
