import type { AuditEntry } from '../audit/auditLog';

/**
 * Written before a call is forwarded (or refused): every tools/call through the gateway has one. `outcome` 'ok' means
 * the call is forwarded next; 'denied' that the policy (or an unknown name) refused it; 'error' that the upstream
 * could not be started to check the tool, so nothing was forwarded.
 */
export interface McpCallRecord {
  kind: 'mcp.call';
  agent: string;
  callId: string;
  /** The name the agent called (`<server>__<tool>`), and the server and tool it names (null when none matches). */
  name: string;
  server: string | null;
  tool: string | null;
  /** The call's arguments, secrets redacted (known secret values and secret shapes). */
  arguments: Record<string, unknown>;
  outcome: 'ok' | 'denied' | 'error';
  /** The rule that decided: `mcp.servers.<server>.tools.deny:<pattern>`, `mcp.servers.<server>.tools.allow`, … */
  rule: string;
  reason: string | null;
}

/** Written when a forwarded call ended, before its result is returned to the agent. */
export interface McpResultRecord {
  kind: 'mcp.result';
  agent: string;
  callId: string;
  name: string;
  server: string;
  tool: string;
  /** 'error': a timeout, the server going away, a protocol error, an oversized result, or the tool's own isError. */
  outcome: 'ok' | 'error';
  rule: string;
  durationMs: number;
  /** Size of the result as JSON (UTF-8 bytes); 0 when there was none. */
  resultBytes: number;
  /** The gateway's message when the call failed; 'the tool reported an error' for a result with isError. */
  error: string | null;
}

export type McpAuditRecord = McpCallRecord | McpResultRecord;

/**
 * The gateway's record as an entry of the host's audit log (AuditLog.append): actor the agent, action mcp.call or
 * mcp.result, target `mcp:<server>/<tool>` (or `mcp:<name>` when the name matches no server).
 */
export function toAuditEntry(record: McpAuditRecord): AuditEntry {
  const target = record.server !== null && record.tool !== null ? `mcp:${record.server}/${record.tool}` : `mcp:${record.name}`;
  const base = { actor: `agent:${record.agent}`, action: record.kind, target, outcome: record.outcome };
  if (record.kind === 'mcp.call') {
    return { ...base, reason: record.reason, data: { callId: record.callId, name: record.name, arguments: record.arguments, rule: record.rule } };
  }
  return {
    ...base,
    reason: record.error,
    data: { callId: record.callId, name: record.name, rule: record.rule, durationMs: record.durationMs, resultBytes: record.resultBytes },
  };
}
