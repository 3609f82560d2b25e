// Child process for the audit-under-concurrent-agents benchmark: one agent's side of its endpoint, as `agent-host
// hook` / `agent-host mcp` reach it (the same client code: openEndpoint, agent.hello with the token, then requests).
// Forked with an IPC channel; on each {go} it sends tool.decide back to back (the next when the previous is
// answered) for the window and reports how many it made and how long each took.
import { randomUUID } from 'node:crypto';
import { openEndpoint, type EndpointPeer } from '../../../agent-host/cliAgents/endpointClient';

export interface DecideClientJob {
  socketPath: string;
  token: string;
}

export type DecideClientMessage = { go: { windowMs: number; round: number } } | { stop: true };

export interface DecideClientReport {
  round: number;
  decisions: number;
  elapsedMs: number;
  /** Round trip of each tool.decide, ms. */
  latenciesMs: number[];
}

const job = JSON.parse(process.env.BENCH_DECIDE_CLIENT ?? 'null') as DecideClientJob | null;
if (!job || !process.send) {
  process.stderr.write('decide-client: run me with fork() and BENCH_DECIDE_CLIENT set\n');
  process.exit(2);
}

let peer: EndpointPeer;
let sequence = 0;

async function window(windowMs: number, round: number): Promise<DecideClientReport> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const until = started + windowMs;
  for (;;) {
    const before = performance.now();
    if (before >= until) break;
    const answer = await peer.request('tool.decide', {
      callId: randomUUID(),
      tool: 'Read',
      input: { file_path: `src/module-${sequence++ % 100}.ts`, offset: 1, limit: 200 },
    });
    latenciesMs.push(performance.now() - before);
    if (answer.decision !== 'allow') throw new Error(`tool.decide answered ${JSON.stringify(answer)}`);
  }
  return { round, decisions: latenciesMs.length, elapsedMs: performance.now() - started, latenciesMs };
}

process.on('message', (message: DecideClientMessage) => {
  if ('stop' in message) {
    peer.close();
    process.exit(0);
  }
  window(message.go.windowMs, message.go.round).then(
    (report) => process.send!(report),
    (error: unknown) => {
      process.stderr.write(`decide-client: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
});

openEndpoint({ socketPath: job.socketPath, token: job.token }, 'mcp', 30_000).then(
  (opened) => {
    peer = opened;
    process.send!({ ready: true });
  },
  (error: unknown) => {
    process.stderr.write(`decide-client: cannot open the endpoint: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
