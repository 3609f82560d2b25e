// Governance (issue 11): what the host's enforcement costs an agent — the egress proxy's throughput, the MCP gateway's
// overhead per tool call, Claude Code's hook round trip per tool call, and audit appends under concurrent agents.
// Five groups (ids governance.egress, governance.egress-gigabit, governance.mcp, governance.hook, governance.audit;
// BENCH_ONLY=governance runs them all), each with its own peer measured in the same run. Every part is the real
// component: the daemon's Governance/EgressProxy, the `agent-host sandbox-exec` forwarder, McpGateway, `agent-host
// hook`, AgentEndpoint, ToolGate and AuditLog on a real SQLite file; the bench process plays the daemon, the agents
// are other processes.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AgentHello } from '../../../common/protocol/agentEndpoint';
import { AGENT_ENV } from '../../../common/protocol/agentEndpoint';
import { AgentEndpoint, type AgentEndpointHandlers } from '../../../agent-host/agents/agentEndpoint';
import type { Profile } from '../../../agent-host/agents/launchSpec';
import { ToolGate, type GateSubject } from '../../../agent-host/agents/toolGate';
import { AuditLog, verifyAudit, type AuditEntry } from '../../../agent-host/audit/auditLog';
import { handleHookEvent, type HookHost } from '../../../agent-host/cliAgents/hookEvents';
import { shellQuote } from '../../../agent-host/cliAgents/hookCommand';
import { encodeSandboxExecSpec } from '../../../agent-host/commands/sandboxExecSpec';
import type { EgressAgentHandle } from '../../../agent-host/egress/egressProxy';
import { Approvals } from '../../../agent-host/governance/approvals';
import { policyGateRules } from '../../../agent-host/governance/gateRules';
import { Governance } from '../../../agent-host/governance/governance';
import { openDatabase, type Db } from '../../../agent-host/journal/database';
import { measureGatewayOverhead, type OverheadResult } from '../../../agent-host/mcpGateway/testing/overhead';
import { defaultHostLayer, effectivePolicy, policyLayerFromObject } from '../../../agent-host/policy';
import type { Repos } from '../../../agent-host/repos/repos';
import type { BenchContext } from '../context';
import { BENCH_BUNDLE } from '../flightdeck/host';
import type { DecideClientJob, DecideClientMessage, DecideClientReport } from '../governance/decide-client';
import type { EgressClientJob, EgressClientResult } from '../governance/egress-peer';
import { percentile } from '../stats';
import type { Group } from '../suite';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const EGRESS_PEER = join(import.meta.dirname, '..', 'governance', 'egress-peer.ts');
const DECIDE_CLIENT = join(import.meta.dirname, '..', 'governance', 'decide-client.ts');
const TOKEN = 'bench-token-0123456789abcdef';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export function governanceGroups(context: BenchContext): Group[] {
  return [
    egressGroup(context),
    egressGroup(context, { id: 'gigabit', label: 'a 1 Gbit/s link', bytesPerS: GIGABIT_BYTES_PER_S }),
    mcpGroup(context),
    hookGroup(context),
    auditConcurrencyGroup(context),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Shared: the daemon's side (one AuditLog on a real SQLite file, the ToolGate every tool call passes, one
// AgentEndpoint per agent) and child processes.

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code: number | null) => resolve({ code, stdout, stderr }));
  });
}

function lastJsonLine<T>(what: string, result: Finished): T {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as T;
}

/** A port on 127.0.0.1 free a moment ago (sandbox-exec takes a fixed port, as the host gives it one). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const PROFILE: Profile = {
  name: 'claude-code',
  kind: 'claude-code',
  source: 'bench',
  description: null,
  command: null,
  args: [],
  env: {},
  model: null,
  maxTurns: 100,
  maxTokens: 1_000_000,
  contextTokens: 200_000,
  governance: { hooks: true, mcp: true },
  denyTools: [],
};

/** What the daemon holds for governing agents' tool calls: one database, its audit chain, the gate. */
class DaemonSide {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly gate: ToolGate;
  readonly subject: GateSubject;
  readonly worktree: string;
  private readonly endpoints: AgentEndpoint[] = [];

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.db = openDatabase(join(dir, 'host.db'));
    this.audit = new AuditLog(this.db);
    this.gate = new ToolGate(this.audit, new Approvals(this.audit));
    this.worktree = join(dir, 'worktree');
    // The closed defaults (no policy file): writes in the worktree only, no command rules.
    const rules = policyGateRules(effectivePolicy(defaultHostLayer(dir)), this.worktree, [join(dir, 'agent')]);
    this.subject = { profile: PROFILE, rules, secrets: [] };
  }

  /** One agent's endpoint, its handlers doing what RunningAgent's do for the calls the bench makes. */
  async openEndpoint(agent: string): Promise<AgentEndpoint> {
    const { gate, subject } = this;
    const decide: AgentEndpointHandlers['decide'] = (params) => gate.decide({ agent, ...params }, subject);
    const hookHost: HookHost = {
      decide: (callId, tool, input, subagent) => decide({ callId, tool, input, ...(subagent ? { subagent } : {}) }),
      done: (callId, tool, ok, summary) => gate.done(agent, callId, tool, ok, summary, subject.secrets),
      setStatus: () => undefined,
      hooksVerified: () => undefined,
      // RunningAgent reads the transcript asynchronously, after the answer; not part of the round trip.
      transcript: () => undefined,
    };
    const notInBench = (method: string) => (): never => {
      throw new Error(`${method} is not part of the benchmark`);
    };
    const hello = (): AgentHello => ({
      name: agent,
      kind: 'claude-code',
      worktree: this.worktree,
      branch: `agent/${agent}`,
      task: 'bench',
      model: null,
      limits: { maxTurns: PROFILE.maxTurns, maxTokens: PROFILE.maxTokens, contextTokens: PROFILE.contextTokens },
      turns: 0,
      conversation: null,
    });
    const handlers: AgentEndpointHandlers = {
      hello,
      decide,
      done: (params) => gate.done(agent, params.callId, params.tool, params.ok, params.summary, subject.secrets),
      state: () => undefined,
      usage: notInBench('agent.usage'),
      progress: () => undefined,
      ask: notInBench('agent.ask'),
      nextMessage: notInBench('agent.nextMessage'),
      saveConversation: () => undefined,
      hookEvent: (params) => handleHookEvent(hookHost, params.agent, params.event, params.payload),
    };
    const endpoint = await AgentEndpoint.open(join(this.dir, `${agent}.sock`), TOKEN, handlers, () => undefined);
    this.endpoints.push(endpoint);
    return endpoint;
  }

  records(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
  }

  /** Closes the endpoints and the database; throws if the chain written during the bench does not verify. */
  close(): void {
    for (const endpoint of this.endpoints.splice(0)) endpoint.close();
    try {
      const verified = verifyAudit(this.db);
      if (!verified.ok) throw new Error(`the audit chain written by the bench does not verify: ${JSON.stringify(verified)}`);
    } finally {
      this.db.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Egress proxy throughput vs direct.

const EGRESS_DIRECT = 'direct TCP (agent → origin)';
const EGRESS_FLIGHTDECK = 'Flightdeck: sandbox-exec forwarder → Unix socket → EgressProxy → origin';
const EGRESS_SOCKET = 'EgressProxy alone (agent CONNECTs on its Unix socket)';
const EGRESS_AGENT = 'bench-egress';
/** A 1 Gbit/s link: what an on-prem VM's NIC (or its way out) typically gives one connection. */
const GIGABIT_BYTES_PER_S = 1e9 / 8;

/** `link`: the origin sends and reads no faster than that (bytes/s), as a remote server behind a link would. */
function egressGroup(context: BenchContext, link?: { id: string; label: string; bytesPerS: number }): Group {
  const egressBytes = link ? context.sizes.egressLinkBytes : context.sizes.egressBytes;
  const warmupBytes = Math.min(egressBytes, 16 * MiB);
  const dir = join(context.dir, link ? `governance-egress-${link.id}` : 'governance-egress');
  const where = link ? `origin behind ${link.label}` : 'loopback origin';
  let origin: ChildProcess | undefined;
  let originPort = 0;
  let db: Db | undefined;
  let governance: Governance | undefined;
  let agentSocket: EgressAgentHandle | undefined;

  const job = (via: EgressClientJob['via'], extra: Partial<EgressClientJob> = {}): EgressClientJob => ({
    via,
    originPort,
    bytes: egressBytes,
    warmupBytes,
    ...extra,
  });
  const client = (job: EgressClientJob): string[] => [process.execPath, '--import', 'tsx', EGRESS_PEER, 'client', JSON.stringify(job)];

  /** Runs one agent (a command line), returns its figures plus the daemon's CPU time per GiB relayed when `proxied`. */
  const run = async (argv: string[], proxied: boolean): Promise<Record<string, number>> => {
    const cpuBefore = process.cpuUsage();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const result = lastJsonLine<EgressClientResult>('the egress client', await finished(child));
    const cpu = process.cpuUsage(cpuBefore);
    const relayedGiB = (2 * (egressBytes + warmupBytes)) / GiB;
    return {
      download: result.downloadMiBps,
      upload: result.uploadMiBps,
      ...(proxied ? { daemonCpu: (cpu.user + cpu.system) / 1e6 / relayedGiB } : {}),
    };
  };

  const contenders = [
    { name: EGRESS_DIRECT, run: () => run(client(job('direct')), false) },
    {
      name: EGRESS_FLIGHTDECK,
      run: async () => {
        // As in a sandbox: sandbox-exec listens on loopback for the agent and runs it; the agent's HTTPS_PROXY is that port.
        const proxyPort = await freePort();
        const spec = encodeSandboxExecSpec({ proxySocket: agentSocket!.socketPath, httpProxyPort: proxyPort, tunnels: [] });
        return run([process.execPath, BENCH_BUNDLE, 'sandbox-exec', spec, '--', ...client(job('proxy-port', { proxyPort }))], true);
      },
    },
  ];
  if (!link) contenders.push({ name: EGRESS_SOCKET, run: () => run(client(job('proxy-socket', { proxySocket: agentSocket!.socketPath })), true) });

  return {
    id: link ? `governance.egress-${link.id}` : 'governance.egress',
    title: `Egress proxy, ${where}: ${egressBytes / MiB} MiB down and up through an agent's proxy vs straight to the origin`,
    metrics: [
      { key: 'download', label: 'download (origin → agent)', unit: 'MiB/s', better: 'higher', digits: 0 },
      { key: 'upload', label: 'upload (agent → origin)', unit: 'MiB/s', better: 'higher', digits: 0 },
      { key: 'daemonCpu', label: 'daemon (EgressProxy) CPU per GiB relayed', unit: 's/GiB', better: 'lower', digits: 2 },
    ],
    peer: EGRESS_DIRECT,
    rounds: context.sizes.egressRounds,
    budgetMs: 150_000,
    async setup() {
      mkdirSync(dir, { recursive: true });
      const originArgs = [EGRESS_PEER, 'origin', ...(link ? [String(link.bytesPerS)] : [])];
      origin = spawn(process.execPath, ['--import', 'tsx', ...originArgs], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      const [line] = (await once(origin.stdout!.setEncoding('utf8'), 'data')) as [string];
      originPort = (JSON.parse(line.trim()) as { port: number }).port;
      db = openDatabase(join(dir, 'host.db'));
      const audit = new AuditLog(db);
      // The daemon's own wiring of the proxy (policy decision, egress.request / egress.end audit records). Repos are
      // only read for a repo's policy file; the bench gives the agent its policy directly.
      governance = new Governance({ stateDir: dir, db, audit, repos: undefined as unknown as Repos, log: () => undefined });
      const policy = effectivePolicy(policyLayerFromObject({ egress: { mode: 'strict', allow: [`127.0.0.1:${originPort}`] } }, 'bench policy'));
      governance.setEgressPolicy(EGRESS_AGENT, policy);
      agentSocket = await governance.egress.openAgent(EGRESS_AGENT, join(dir, 'egress.sock'));
    },
    async teardown() {
      await governance?.close();
      origin?.stdin?.end();
      if (origin && origin.exitCode === null) await once(origin, 'exit');
      if (db) {
        const records = (db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'egress.request' AND outcome = 'ok'").get() as { n: number }).n;
        const verified = verifyAudit(db);
        db.close();
        if (!verified.ok) throw new Error(`the egress audit chain does not verify: ${JSON.stringify(verified)}`);
        if (records === 0) throw new Error('no egress.request was audited: the proxied runs did not go through the proxy');
      }
    },
    contenders,
    targets: (['download', 'upload'] as const).map((metric) => ({
      metric,
      text: `egress proxy ${metric} throughput >= 0.9x direct (${where})`,
      check: (median: (contender: string) => number | undefined) => {
        const ours = median(EGRESS_FLIGHTDECK);
        const direct = median(EGRESS_DIRECT);
        if (ours === undefined || direct === undefined) return undefined;
        return { measured: `${ours.toFixed(0)} vs ${direct.toFixed(0)} MiB/s = ${(ours / direct).toFixed(2)}x`, pass: ours >= 0.9 * direct };
      },
    })),
    notes: link
      ? [
          `The same four processes as the loopback group, but the origin sends and reads no faster than ${link.label} (${(link.bytesPerS / MiB).toFixed(0)} MiB/s, paced in the origin; backpressure through every hop slows the sender), as a server across a real network would. This is the case the proxy is for: it must keep up with the link, not with memory.`,
        ]
      : [
          'Four processes, as in production: the bench process is the daemon (Governance\'s EgressProxy: the egress policy decides, egress.request and egress.end go to a real AuditLog); `agent-host sandbox-exec` (the bench bundle) is the forwarder a sandbox starts, listening on 127.0.0.1 and piping to the agent\'s Unix socket; the agent is its child, a Node client that sends `CONNECT 127.0.0.1:PORT` to that port (what HTTPS_PROXY makes curl, git, pip do) and then streams; the origin is another Node process. The sandbox itself (bwrap, network namespace) is not started: it adds no copy on this path.',
          'Per run the agent uploads then downloads a warm-up transfer and then the measured one, each on a new tunnel; MiB/s from the first byte sent to the origin\'s acknowledgement of the last (upload) or to the last byte received (download). Tunnel set-up (CONNECT, policy, audit) is outside the timing. Daemon CPU is the bench process\'s user+system time over the whole run (warm-ups included) per GiB carried.',
          'The origin is on loopback, so the direct lane runs at memory speed and is CPU-bound: the proxied path carries each byte through two more processes (forwarder, daemon) and three more socket hops on the same cores, and each relaying process spends 1–2 s of CPU per GiB, most of it in the kernel copying through sockets. See the 1 Gbit/s group for an origin across a network.',
          'The daemon reads a tunnel\'s origin socket into one reused buffer (agent-host/egress/splice.ts connectForRelay): a new 64 KiB buffer per read made V8 mark the whole heap over and over while bytes flowed, roughly 40% of the daemon\'s CPU per GiB (before and after in the analysis below). Its reads from the agent\'s side (sockets accepted by node:http) and the forwarder\'s reads still allocate per read.',
          '"EgressProxy alone" skips the forwarder (the agent CONNECTs on its Unix socket directly), to tell the forwarder\'s share from the proxy\'s.',
        ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 2. MCP gateway overhead per tools/call.

const MCP_DIRECT = 'direct stdio (SDK Client → server-everything)';
const MCP_LANES = [
  MCP_DIRECT,
  'McpGateway in-process (decide + 2 audit appends + forward)',
  'McpGateway in-process, audit records dropped',
  'Flightdeck full path (Client → agent-host mcp → endpoint → McpGateway → server)',
];
const MCP_FULL = MCP_LANES[3]!;

function mcpGroup(context: BenchContext): Group {
  const calls = context.sizes.mcpCalls;
  // measureGatewayOverhead runs every lane in one go (blocks of calls alternating between lanes): the first contender
  // of a round starts it, the others read their lane from the same measurement.
  const measurements = new Map<number, Promise<OverheadResult>>();
  const measured = (round: number): Promise<OverheadResult> => {
    let measurement = measurements.get(round);
    if (!measurement) measurements.set(round, (measurement = measureGatewayOverhead(calls, { bundle: BENCH_BUNDLE })));
    return measurement;
  };
  return {
    id: 'governance.mcp',
    title: `MCP gateway: ${calls} tools/call (server-everything echo) per lane`,
    metrics: [
      { key: 'over', label: 'p50 over direct stdio', unit: 'ms', better: 'lower', digits: 3 },
      { key: 'p50', label: 'p50 per call', unit: 'ms', better: 'lower', digits: 3 },
      { key: 'p99', label: 'p99 per call', unit: 'ms', better: 'lower', digits: 3 },
    ],
    peer: MCP_DIRECT,
    rounds: context.sizes.mcpRounds,
    budgetMs: 120_000,
    contenders: MCP_LANES.map((name, index) => ({
      name,
      run: async (round: number) => {
        const result = await measured(round);
        if (result.lanes.length !== MCP_LANES.length) throw new Error(`measureGatewayOverhead measured ${result.lanes.length} lanes, not ${MCP_LANES.length}`);
        const lane = result.lanes[index]!;
        return { p50: lane.p50Ms, p99: lane.p99Ms, ...(index === 0 ? {} : { over: lane.p50Ms - result.lanes[0]!.p50Ms }) };
      },
    })),
    targets: [
      {
        metric: 'over',
        text: 'MCP gateway overhead per call p50 <= 2 ms over direct stdio (full path an agent takes)',
        check: (median) => {
          const over = median(MCP_FULL);
          return over === undefined ? undefined : { measured: `+${over.toFixed(3)} ms`, pass: over <= 2 };
        },
      },
    ],
    notes: [
      'agent-host/mcpGateway/testing/overhead.ts (`measureGatewayOverhead`): every lane calls server-everything\'s echo tool on its own server process; after 100 warm-up calls per lane, blocks of 100 calls alternate between lanes so machine noise hits all alike. "p50 over direct" is the lane\'s p50 minus the direct lane\'s p50 in the same round.',
      'Full path: the MCP SDK Client spawns `agent-host mcp` (the bench bundle) over stdio, which forwards each call on the agent\'s endpoint socket to AgentEndpoint → McpGateway (policy check, mcp.call audited before forwarding and after) → stdio → server-everything. The gateway audits into a real AuditLog (SQLite, WAL).',
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Hook round trip: what Claude Code pays per tool call.

const HOOK_FLOOR = 'sh -c "node -e 0" (process floor)';
const HOOK_NO_ENDPOINT = 'agent-host hook without an endpoint (load the bundle, exit)';
const HOOK_FLIGHTDECK = 'agent-host hook claude-code PreToolUse → endpoint → ToolGate (allow, audited)';
const HOOK_AGENT = 'bench-hook';

interface Spawned {
  ms: number;
  result: Finished;
}

async function timedShell(command: string, env: NodeJS.ProcessEnv, stdin: string): Promise<Spawned> {
  const started = performance.now();
  const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = finished(child);
  child.stdin!.end(stdin);
  const result = await done;
  return { ms: performance.now() - started, result };
}

function hookGroup(context: BenchContext): Group {
  const spawns = context.sizes.hookSpawns;
  const dir = join(context.dir, 'governance-hook');
  let daemon: DaemonSide | undefined;
  let endpoint: AgentEndpoint | undefined;
  let call = 0;
  const hookCommand = [process.execPath, BENCH_BUNDLE, 'hook', 'claude-code', 'PreToolUse'].map(shellQuote).join(' ');
  // Only what a CLI agent is given: no inherited FLIGHTDECK_* variables.
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C.UTF-8' };
  const payload = (): string =>
    JSON.stringify({
      session_id: '3f1c2a8e-bench',
      transcript_path: join(dir, 'agent', 'projects', 'bench', 'session.jsonl'),
      cwd: daemon!.worktree,
      permission_mode: 'default',
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: 'git status --short', description: 'Show working tree status' },
      tool_use_id: `toolu_bench_${call++}`,
    });

  const series = async (one: () => Promise<number>): Promise<Record<string, number>> => {
    await one(); // warm the page cache and the endpoint
    const samples: number[] = [];
    for (let index = 0; index < spawns; index++) samples.push(await one());
    return { p50: percentile(samples, 50), p90: percentile(samples, 90) };
  };

  return {
    id: 'governance.hook',
    title: `Hook round trip: ${spawns} PreToolUse hooks, one process each (Claude Code's cost per tool call)`,
    metrics: [
      { key: 'p50', label: 'p50 per hook', unit: 'ms', better: 'lower', digits: 1 },
      { key: 'p90', label: 'p90 per hook', unit: 'ms', better: 'lower', digits: 1 },
    ],
    peer: HOOK_FLOOR,
    rounds: context.sizes.hookRounds,
    budgetMs: 120_000,
    async setup() {
      daemon = new DaemonSide(dir);
      endpoint = await daemon.openEndpoint(HOOK_AGENT);
    },
    async teardown() {
      daemon?.close();
    },
    contenders: [
      {
        name: HOOK_FLOOR,
        run: () =>
          series(async () => {
            const { ms, result } = await timedShell(`${shellQuote(process.execPath)} -e 0`, baseEnv, '');
            if (result.code !== 0) throw new Error(`node -e 0 exited ${result.code}`);
            return ms;
          }),
      },
      {
        name: HOOK_NO_ENDPOINT,
        run: () =>
          series(async () => {
            const { ms, result } = await timedShell(hookCommand, baseEnv, payload());
            if (result.code !== 2 || !result.stderr.includes(AGENT_ENV.socket)) throw new Error(`the hook without an endpoint exited ${result.code}: ${result.stderr}`);
            return ms;
          }),
      },
      {
        name: HOOK_FLIGHTDECK,
        run: () => {
          const env = { ...baseEnv, [AGENT_ENV.socket]: endpoint!.socketPath, [AGENT_ENV.token]: TOKEN, [AGENT_ENV.name]: HOOK_AGENT };
          return series(async () => {
            const before = daemon!.records();
            const { ms, result } = await timedShell(hookCommand, env, payload());
            if (result.code !== 0 || !result.stdout.includes('"permissionDecision":"allow"')) {
              throw new Error(`the hook did not allow (exit ${result.code}): ${result.stdout} ${result.stderr}`);
            }
            if (daemon!.records() !== before + 1) throw new Error('the hook\'s tool call was not audited');
            return ms;
          });
        },
      },
    ],
    targets: [
      {
        metric: 'p50',
        text: 'hook round trip p50 (reported; the issue sets no bound)',
        check: (median) => {
          const hook = median(HOOK_FLIGHTDECK);
          const floor = median(HOOK_FLOOR);
          if (hook === undefined || floor === undefined) return undefined;
          return { measured: `${hook.toFixed(1)} ms per tool call, ${(hook - floor).toFixed(1)} ms over a bare node start`, pass: null };
        },
      },
    ],
    notes: [
      'Each hook is one `/bin/sh -c \'node agent-host.mjs hook claude-code PreToolUse\'` (the bench bundle), as Claude Code runs the command its generated settings name, with a PreToolUse payload for `Bash: git status --short` on stdin; timed from spawn to exit. One warm-up spawn per run is not counted.',
      'The endpoint is the daemon\'s AgentEndpoint (Unix socket, token) in the bench process; its hook.event runs handleHookEvent → ToolGate.decide under the closed default policy (command parsed and matched, command.run record appended to a real AuditLog before the answer), and the hook prints Claude Code\'s allow decision. Every run checks the exit code, the allow output and that exactly one audit record was added.',
      'The floor spawns `node -e 0` through the same shell; "without an endpoint" loads the same bundle and exits at once (no FLIGHTDECK_AGENT_SOCKET), so the three rows split the cost into starting Node, loading agent-host, and the round trip to the host.',
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Audit appends under concurrent agents.

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

function auditConcurrencyGroup(context: BenchContext): Group {
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
