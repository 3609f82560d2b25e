// What the gateway's tests share: the real reference server (server-everything) and the counting test server as
// policy entries, and a gateway whose audit records and log lines are kept and can be awaited.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { McpGateway, type McpAuditRecord, type McpGatewayOptions, type McpServerConfig } from '../gateway';

const require = createRequire(import.meta.url);

/** `node <server-everything>/dist/index.js stdio`, the MCP reference server. */
export const EVERYTHING_ENTRY = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
export const COUNTING_ENTRY = join(import.meta.dirname, 'countingServer.mjs');

export const everything = (extra: Partial<McpServerConfig> = {}): McpServerConfig => ({ command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'], ...extra });
export const counting = (extra: Partial<McpServerConfig> = {}): McpServerConfig => ({ command: process.execPath, args: [COUNTING_ENTRY], ...extra });

export interface GatewayHarness {
  gateway: McpGateway;
  records: McpAuditRecord[];
  logs: string[];
  /** Resolves with the first log line (already logged or to come) that matches. */
  logged(pattern: RegExp): Promise<string>;
  /** Set to make the audit callback throw for the records it returns true for. */
  failAudit: ((record: McpAuditRecord) => boolean) | null;
}

export function gatewayHarness(servers: Record<string, McpServerConfig>, options: Partial<McpGatewayOptions> = {}): GatewayHarness {
  const records: McpAuditRecord[] = [];
  const logs: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const harness: GatewayHarness = {
    gateway: undefined as unknown as McpGateway,
    records,
    logs,
    failAudit: null,
    logged: (pattern) => {
      const line = logs.find((candidate) => pattern.test(candidate));
      return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
  };
  harness.gateway = new McpGateway({
    agent: 'a1',
    servers,
    audit: (record) => {
      if (harness.failAudit?.(record)) throw new Error('disk full');
      records.push(record);
    },
    log: (line) => {
      logs.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.pattern.test(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    },
    ...options,
  });
  return harness;
}

export const textOf = (result: { content: unknown[] }): string => (result.content as Array<{ text?: string }>).map((part) => part.text ?? '').join('');
