// Governance benchmark: Audit appends under concurrent agents.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import {  type AuditEntry } from '../../../agent-host/audit/auditLog';
import type { BenchContext } from '../context';
import type { DecideClientJob, DecideClientMessage, DecideClientReport } from './decide-client';
import { percentile } from '../stats';
import type { Group } from '../suite';
import { DaemonSide, DECIDE_CLIENT, ROOT, TOKEN } from './shared';

function toolCallEntry(agent: number, index: number): AuditEntry {
  return {
    actor: `agent:bench-${agent}`,
    action: 'tool.call',
    target: 'tool:Read',
    reason: null,
    outcome: 'ok',
    data: { callId: `c-${agent}-${index}`, tool: 'Read', input: { file_path: `src/module-${index % 100}.ts`, offset: 1, limit: 200 }, rule: 'default-allow' },
  };
}

const inDaemonName = (agents: number): string => `in the daemon: ${agents} agent loop${agents === 1 ? '' : 's'} → AuditLog.append`;
const endpointName = (agents: number): string => `through endpoints: ${agents} agent process${agents === 1 ? '' : 'es'} → tool.decide → ToolGate`;

interface DecideClient {
  child: ChildProcess;
  reports: DecideClientReport[];
  waiters: Array<() => void>;
}

export function auditConcurrencyGroup(context: BenchContext): Group {
  const { auditAgents, auditConcurrentAppends, auditWindowMs } = context.sizes;
  const maxAgents = Math.max(...auditAgents);
  const dir = join(context.dir, 'governance-audit');
  let daemon: DaemonSide | undefined;
  const clients: DecideClient[] = [];

  /** N async loops in the daemon's one thread, each appending its agent's tool.call records; appends interleave at every await. */
  const inDaemon = async (agents: number): Promise<Record<string, number>> => {
    const audit = daemon!.audit;
    const perAgent = Math.ceil(auditConcurrentAppends / agents);
    const latencies: number[] = [];
    const loop = async (agent: number): Promise<void> => {
      for (let index = 0; index < perAgent; index++) {
        // Each agent's next record arrives as an event (a message on its endpoint), after the others had their turn.
        await new Promise((resolve) => setImmediate(resolve));
        const before = performance.now();
        audit.append(toolCallEntry(agent, index));
        latencies.push(performance.now() - before);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: agents }, (_, agent) => loop(agent)));
    const seconds = (performance.now() - started) / 1000;
    return { appends: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  };

  const nextReport = (client: DecideClient): Promise<DecideClientReport> =>
    new Promise((resolve, reject) => {
      const settle = (): void => resolve(client.reports.shift()!);
      if (client.reports.length > 0) settle();
      else client.waiters.push(settle);
      client.child.once('exit', (code) => reject(new Error(`a decide client exited ${code}`)));
    });

  /** N agent processes at once, each sending tool.decide back to back on its own endpoint for the window. */
  const throughEndpoints = async (agents: number, round: number): Promise<Record<string, number>> => {
    const before = daemon!.records();
    const active = clients.slice(0, agents);
    const reports = Promise.all(active.map(nextReport));
    for (const client of active) client.child.send({ go: { windowMs: auditWindowMs, round } } satisfies DecideClientMessage);
    const done = await reports;
    const decisions = done.reduce((sum, report) => sum + report.decisions, 0);
    if (daemon!.records() - before !== decisions) throw new Error(`${decisions} tool calls decided but ${daemon!.records() - before} audit records appended`);
    const latencies = done.flatMap((report) => report.latenciesMs);
    const seconds = Math.max(...done.map((report) => report.elapsedMs)) / 1000;
    return { appends: decisions / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  };

  return {
    id: 'governance.audit',
    title: `Audit under concurrent agents: tool.call records from ${auditAgents.join(', ')} agents into one hash-chained log`,
    metrics: [
      { key: 'appends', label: 'audited tool calls per second', unit: 'appends/s', better: 'higher', digits: 0 },
      { key: 'p50', label: 'p50 latency (append; or tool.decide round trip)', unit: 'ms', better: 'lower', digits: 3 },
      { key: 'p99', label: 'p99 latency (append; or tool.decide round trip)', unit: 'ms', better: 'lower', digits: 3 },
    ],
    peer: inDaemonName(1),
    rounds: context.sizes.auditRounds,
    budgetMs: 150_000,
    async setup() {
      daemon = new DaemonSide(dir);
      for (let agent = 0; agent < maxAgents; agent++) {
        const endpoint = await daemon.openEndpoint(`bench-${agent}`);
        const job: DecideClientJob = { socketPath: endpoint.socketPath, token: TOKEN };
        const child = fork(DECIDE_CLIENT, [], {
          cwd: ROOT,
          execArgv: ['--import', 'tsx'],
          env: { ...process.env, BENCH_DECIDE_CLIENT: JSON.stringify(job) },
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        const client: DecideClient = { child, reports: [], waiters: [] };
        clients.push(client);
        const ready = new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('exit', (code) => reject(new Error(`decide client ${agent} exited ${code} before it was ready`)));
        });
        await ready;
        child.on('message', (report: DecideClientReport) => {
          client.reports.push(report);
          client.waiters.shift()?.();
        });
      }
    },
    async teardown() {
      for (const { child } of clients.splice(0)) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = once(child, 'exit');
        child.send({ stop: true } satisfies DecideClientMessage);
        await exited;
      }
      daemon?.close();
    },
    contenders: [
      ...auditAgents.map((agents) => ({ name: inDaemonName(agents), run: () => inDaemon(agents) })),
      ...auditAgents.map((agents) => ({ name: endpointName(agents), run: (round: number) => throughEndpoints(agents, round) })),
    ],
    targets: [
      {
        metric: 'appends',
        text: `audited tool calls per second with ${maxAgents} agents through their endpoints (reported; the issue sets no bound)`,
        check: (median) => {
          const value = median(endpointName(maxAgents));
          return value === undefined ? undefined : { measured: `${value.toFixed(0)} per second`, pass: null };
        },
      },
    ],
    notes: [
      'One AuditLog on a real SQLite file (WAL, synchronous=NORMAL), as the daemon has: every append is its own transaction, hash-chained to the one before, so appends from all agents are serialized by the daemon\'s one thread whatever the number of agents. The chain is verified at the end of the group.',
      `In the daemon: N async loops append tool.call records (${auditConcurrentAppends.toLocaleString('en-US')} in all per run), yielding to the event loop (setImmediate) before each so their appends interleave; latency is the append call itself.`,
      `Through endpoints: one AgentEndpoint (Unix socket, token) per agent in the bench process and one agent process per endpoint (forked; the endpoint client code \`agent-host hook\` / \`agent-host mcp\` use), each sending tool.decide back to back for ${auditWindowMs / 1000} s; the daemon side runs ToolGate.decide (policy, redaction, tool.call appended before the answer). Latency is the client's round trip; every decision is checked against the audit records added.`,
    ],
  };
}
