// What the MCP gateway costs per tools/call: server-everything's echo called directly over stdio (the SDK's Client, as
// a CLI would run the server itself), through McpGateway in-process (audited into a real AuditLog), and through the
// whole path a CLI agent takes (SDK Client → `agent-host mcp` → agent endpoint socket → AgentEndpoint → McpGateway →
// stdio → server-everything). Calls alternate in blocks so machine noise hits every lane alike.
// Run: npx tsx agent-host/mcpGateway/testing/overhead.ts [calls=1000]   (the full path needs out/agent-host built)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AGENT_ENV } from '../../../common/protocol/agentEndpoint';
import { AgentEndpoint, type AgentEndpointHandlers } from '../../agents/agentEndpoint';
import { AuditLog } from '../../audit/auditLog';
import { openDatabase } from '../../journal/database';
import { gatewayHandlers } from '../endpointHandlers';
import { McpGateway } from '../gateway';
import { toAuditEntry } from '../records';
import { EVERYTHING_ENTRY, everything } from './gatewayFixture';

export interface LaneResult {
  lane: string;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface OverheadResult {
  calls: number;
  lanes: LaneResult[];
  /** p50 of each lane minus p50 of the direct lane. */
  overheadP50Ms: Record<string, number>;
}

const TOKEN = 'bench-token-0123456789abcdef';
const BLOCK = 100;
const WARMUP = 100;
const BUNDLE = join(import.meta.dirname, '../../../out/agent-host/agent-host.mjs');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarize(lane: string, samples: number[]): LaneResult {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return { lane, p50Ms: percentile(sorted, 50), p90Ms: percentile(sorted, 90), p99Ms: percentile(sorted, 99), meanMs: mean };
}

type Call = (index: number) => Promise<unknown>;

async function clientOver(command: string, args: string[], env: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command, args, env, stderr: 'ignore' }));
  return client;
}

/** `fullPath: false` skips the lane through `agent-host mcp`; `bundle` is the agent-host bundle it runs (default out/agent-host). */
export async function measureGatewayOverhead(calls = 1000, options: { fullPath?: boolean; bundle?: string } = {}): Promise<OverheadResult> {
  const bundle = options.bundle ?? BUNDLE;
  const dir = mkdtempSync(join(tmpdir(), 'fd-gw-bench-'));
  const db = openDatabase(join(dir, 'host.db'));
  const audit = new AuditLog(db);
  const cleanups: Array<() => Promise<void> | void> = [() => db.close(), () => rmSync(dir, { recursive: true, force: true })];
  try {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C.UTF-8' };
    const direct = await clientOver(process.execPath, [EVERYTHING_ENTRY, 'stdio'], env);
    cleanups.unshift(() => direct.close());

    const gateway = new McpGateway({ agent: 'bench', servers: { everything: everything() }, audit: (record) => void audit.append(toAuditEntry(record)), log: () => undefined });
    cleanups.unshift(() => gateway.close());
    await gateway.listTools();

    const unaudited = new McpGateway({ agent: 'bench-noaudit', servers: { everything: everything() }, audit: () => undefined, log: () => undefined });
    cleanups.unshift(() => unaudited.close());
    await unaudited.listTools();

    const lanes: Array<{ name: string; call: Call }> = [
      { name: 'direct stdio (SDK Client → server-everything)', call: (i) => direct.callTool({ name: 'echo', arguments: { message: `m${i}` } }) },
      { name: 'McpGateway in-process (decide + 2 audit appends + forward)', call: (i) => gateway.callTool('everything__echo', { message: `m${i}` }) },
      { name: 'McpGateway in-process, audit records dropped (the gateway alone)', call: (i) => unaudited.callTool('everything__echo', { message: `m${i}` }) },
    ];

    if (options.fullPath !== false && existsSync(bundle)) {
      const fullGateway = new McpGateway({ agent: 'bench-full', servers: { everything: everything() }, audit: (record) => void audit.append(toAuditEntry(record)), log: () => undefined });
      cleanups.unshift(() => fullGateway.close());
      const hello = () => ({ name: 'bench-full', kind: 'claude-code', worktree: dir, branch: 'b', task: 't', model: null, limits: { maxTurns: 1, maxTokens: 1, contextTokens: 1 }, turns: 0, conversation: null });
      const socketPath = join(dir, 'ep.sock');
      const endpoint = await AgentEndpoint.open(socketPath, TOKEN, { hello, ...gatewayHandlers(fullGateway) } as unknown as AgentEndpointHandlers, () => undefined);
      cleanups.unshift(() => endpoint.close());
      const viaHost = await clientOver(process.execPath, [bundle, 'mcp'], { ...env, [AGENT_ENV.socket]: socketPath, [AGENT_ENV.token]: TOKEN });
      cleanups.unshift(() => viaHost.close());
      await viaHost.listTools();
      lanes.push({ name: 'full path (Client → agent-host mcp → endpoint → McpGateway → server-everything)', call: (i) => viaHost.callTool({ name: 'everything__echo', arguments: { message: `m${i}` } }) });
    }

    const samples = lanes.map(() => [] as number[]);
    for (const lane of lanes) for (let i = 0; i < WARMUP; i++) await lane.call(i);
    for (let done = 0; done < calls; done += BLOCK) {
      for (const [index, lane] of lanes.entries()) {
        for (let i = done; i < Math.min(calls, done + BLOCK); i++) {
          const started = performance.now();
          await lane.call(i);
          samples[index]!.push(performance.now() - started);
        }
      }
    }
    const results = lanes.map((lane, index) => summarize(lane.name, samples[index]!));
    const overheadP50Ms = Object.fromEntries(results.slice(1).map((result) => [result.lane, result.p50Ms - results[0]!.p50Ms]));
    return { calls, lanes: results, overheadP50Ms };
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const calls = Number(process.argv[2] ?? 1000);
  const result = await measureGatewayOverhead(calls);
  for (const lane of result.lanes) {
    console.log(`${lane.lane}: p50 ${lane.p50Ms.toFixed(3)} ms, p90 ${lane.p90Ms.toFixed(3)} ms, p99 ${lane.p99Ms.toFixed(3)} ms, mean ${lane.meanMs.toFixed(3)} ms`);
  }
  for (const [lane, overhead] of Object.entries(result.overheadP50Ms)) console.log(`p50 overhead over direct, ${lane}: ${overhead.toFixed(3)} ms`);
  process.exit(0);
}
