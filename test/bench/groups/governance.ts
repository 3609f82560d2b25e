// Governance (issue 11): what the host's enforcement costs an agent — the egress proxy's throughput, the MCP gateway's
// overhead per tool call, Claude Code's hook round trip per tool call, and audit appends under concurrent agents.
// Five groups (ids governance.egress, governance.egress-gigabit, governance.mcp, governance.hook, governance.audit;
// BENCH_ONLY=governance runs them all), each with its own peer measured in the same run. Every part is the real
// component: the daemon's Governance/EgressProxy, the `agent-host sandbox-exec` forwarder, McpGateway, `agent-host
// hook`, AgentEndpoint, ToolGate and AuditLog on a real SQLite file; the bench process plays the daemon, the agents
// are other processes.
import type { BenchContext } from '../context';
import { auditConcurrencyGroup } from '../governance/auditGroup';
import { egressGroup, GIGABIT_BYTES_PER_S } from '../governance/egressGroup';
import { hookGroup } from '../governance/hookGroup';
import { mcpGroup } from '../governance/mcpGroup';
import type { Group } from '../suite';

export function governanceGroups(context: BenchContext): Group[] {
  return [
    egressGroup(context),
    egressGroup(context, { id: 'gigabit', label: 'a 1 Gbit/s link', bytesPerS: GIGABIT_BYTES_PER_S }),
    mcpGroup(context),
    hookGroup(context),
    auditConcurrencyGroup(context),
  ];
}
