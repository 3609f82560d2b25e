// Governance benchmark: MCP gateway overhead per tools/call.
import { measureGatewayOverhead, type OverheadResult } from '../../../agent-host/mcpGateway/testing/overhead';
import type { BenchContext } from '../context';
import { BENCH_BUNDLE } from '../flightdeck/host';
import type { Group } from '../suite';

const MCP_DIRECT = 'direct stdio (SDK Client → server-everything)';
const MCP_LANES = [
  MCP_DIRECT,
  'McpGateway in-process (decide + 2 audit appends + forward)',
  'McpGateway in-process, audit records dropped',
  'Flightdeck full path (Client → agent-host mcp → endpoint → McpGateway → server)',
];
const MCP_FULL = MCP_LANES[3]!;

export function mcpGroup(context: BenchContext): Group {
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
