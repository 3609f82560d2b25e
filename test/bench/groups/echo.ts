import type { Client } from 'ssh2';
import type { BenchContext } from '../context';
import { ssh2Echo, sshTtEcho } from '../peers/echo';
import { connectSsh2 } from '../ssh';
import { join } from 'node:path';
import { flightdeckEcho } from '../flightdeck/echo';
import { openFlightdeckHost, type FlightdeckHost } from '../flightdeck/core';
import type { Group } from '../suite';

const SSH_TT = 'ssh -tt host cat (OpenSSH, local PTY)';
export const FLIGHTDECK_ECHO = 'Flightdeck: client core → agent-host PTY → client core';

export function echoGroup(context: BenchContext): Group {
  let client: Client | undefined;
  let host: FlightdeckHost | undefined;
  const trips = context.sizes.echoTrips;
  return {
    id: 'echo',
    title: `Keystroke echo: ${trips} single-byte round trips`,
    metrics: [
      { key: 'p50', label: 'p50', unit: 'ms', better: 'lower', digits: 3 },
      { key: 'p99', label: 'p99', unit: 'ms', better: 'lower', digits: 3 },
    ],
    peer: SSH_TT,
    budgetMs: 100_000,
    rounds: context.sizes.echoRounds,
    async setup() {
      client = await connectSsh2(context.sshd);
      host = await openFlightdeckHost(context.sshd, join(context.dir, 'flightdeck-echo'));
    },
    async teardown() {
      client?.end();
      await host?.stop();
    },
    contenders: [
      { name: SSH_TT, run: () => sshTtEcho(context.sshd, trips) },
      { name: 'ssh2 exec with PTY, cat', run: () => ssh2Echo(client!, trips) },
      { name: FLIGHTDECK_ECHO, run: () => flightdeckEcho(host!.bench, trips) },
    ],
    targets: [
      {
        metric: 'p50',
        text: 'Flightdeck echo p50 <= 1.3x ssh -tt',
        check: (median) => {
          const ours = median(FLIGHTDECK_ECHO);
          const peer = median(SSH_TT);
          if (ours === undefined || peer === undefined) return undefined;
          return { measured: `${ours.toFixed(3)} vs ${peer.toFixed(3)} ms = ${(ours / peer).toFixed(2)}x`, pass: ours <= 1.3 * peer };
        },
      },
      {
        metric: 'p99',
        text: 'Flightdeck echo p99 <= 2 ms on loopback',
        check: (median) => {
          const ours = median(FLIGHTDECK_ECHO);
          return ours === undefined ? undefined : { measured: `${ours.toFixed(3)} ms (median of the runs' p99)`, pass: ours <= 2 };
        },
      },
    ],
    notes: [
      'One byte is sent only after the previous one came back; 20 warm-up trips are not counted. `cat` runs in a PTY in canonical mode, so the echo comes from the remote line discipline in every contender.',
      'ssh -tt runs in a local PTY (node-pty), as in a user\'s terminal; Flightdeck and ssh2 are driven from Node directly, as the app does.',
    ],
  };
}
