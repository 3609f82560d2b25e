// Agents over the real sshd: a host added through the CLI, its agent.env pointing at the fake model, a fixture repo
// cloned on "the VM", and ways to read what the host recorded (its audit table, read-only).
import Database from 'better-sqlite3';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { AgentInfo } from '../../../common/protocol/agents';
import type { ApprovalInfo } from '../../../common/protocol/governance';
import type { InboxItem, RunInfo } from '../../../common/protocol/runs';
import { FAKE_API_KEY, type FakeAnthropic } from '../../harness/fake-anthropic';
import * as pty from 'node-pty';
import { CLI_BUNDLE, type FleetWorld } from '../fleet/env';
import { hello, spawnLocalBridge, type LocalBridge } from '../agent-host/client';

export interface AuditRow {
  seq: number;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  reason: string | null;
  data: Record<string, unknown>;
}

/** `host add vm` over the sshd, agent.env (0600) with the fake model's URL and key (and `extraEnv`). Returns the host dir. */
export async function addAgentHost(world: FleetWorld, model: FakeAnthropic, extraEnv: Record<string, string> = {}): Promise<string> {
  const hostDir = world.hostDir('vm');
  const added = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir], { timeoutMs: 120_000 });
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  const envFile = join(hostDir, 'agent.env');
  const extra = Object.entries(extraEnv).map(([key, value]) => `${key}=${value}\n`).join('');
  await writeFile(envFile, `# model access for agents\nANTHROPIC_BASE_URL=${model.url}\nANTHROPIC_API_KEY=${FAKE_API_KEY}\n${extra}`);
  await chmod(envFile, 0o600);
  return hostDir;
}

export async function listAgents(world: FleetWorld): Promise<AgentInfo[]> {
  const listed = await world.cli(['agent', 'list', 'vm', '--json']);
  expect(listed.stderr).toBe('');
  return (JSON.parse(listed.stdout) as { agents: { agent: AgentInfo }[] }).agents.map((row) => row.agent);
}

type HostPeer = LocalBridge['peer'];

/**
 * Resolves with the first value `watch` finds, through a bridge to the host dir (the same machine plays the VM):
 * `watch` asks the host once and subscribes to its notifications, calling `found` when one matches.
 */
async function untilOnBridge<T>(hostDir: string, what: string, timeoutMs: number, watch: (peer: HostPeer, found: (value: T) => void, fail: (error: unknown) => void) => () => void): Promise<T> {
  const bridge = spawnLocalBridge({ stateDir: hostDir });
  let stopWatching = (): void => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await hello(bridge.peer);
    return await new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${timeoutMs} ms`)), timeoutMs);
      stopWatching = watch(bridge.peer, resolve, reject);
    });
  } finally {
    clearTimeout(timer);
    stopWatching();
    bridge.child.kill();
  }
}

/** Resolves with the agent once it satisfies `done`: checked on the host's own agent list, then on each agent.event. */
export async function waitForAgent(hostDir: string, name: string, done: (agent: AgentInfo) => boolean, timeoutMs = 60_000): Promise<AgentInfo> {
  let last: AgentInfo | undefined;
  try {
    return await untilOnBridge<AgentInfo>(hostDir, `agent ${name} getting there`, timeoutMs, (peer, found, fail) => {
      const check = (agent: AgentInfo): void => {
        if (agent.name !== name) return;
        last = agent;
        if (done(agent)) found(agent);
      };
      peer.request('agent.list', {}).then(({ agents }) => agents.forEach(check), fail);
      return peer.onNotification('agent.event', ({ agent }) => check(agent));
    });
  } catch (error) {
    throw new Error(`${String(error)}; last seen: ${JSON.stringify(last)}`);
  }
}

/** Resolves with the first pending approval of the agent: from approval.list, else the next approval.event. */
export function waitForApproval(hostDir: string, agent: string, timeoutMs = 60_000): Promise<ApprovalInfo> {
  return untilOnBridge<ApprovalInfo>(hostDir, `an approval of ${agent}`, timeoutMs, (peer, found, fail) => {
    const check = (approval: ApprovalInfo): void => {
      if (approval.agent === agent && approval.status === 'pending') found(approval);
    };
    peer.request('approval.list', {}).then(({ approvals }) => approvals.forEach(check), fail);
    return peer.onNotification('approval.event', ({ approval }) => check(approval));
  });
}

/** The gate's decisions on an agent's tool calls: tool.call, and command.run / file.write for shell and file tools. */
export function toolDecisions(audit: AuditRow[], agent: string): AuditRow[] {
  return audit.filter((row) => ['tool.call', 'command.run', 'file.write'].includes(row.action) && row.actor === `agent:${agent}`);
}

export function readAudit(hostDir: string): AuditRow[] {
  const db = new Database(join(hostDir, 'host.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT seq, actor, action, target, outcome, reason, data FROM audit ORDER BY seq').all() as (Omit<AuditRow, 'data'> & {
      data: string;
    })[];
    return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

/** The tool_result blocks of the last user message of a Messages request. */
export function toolResults(body: unknown): { tool_use_id: string; is_error?: boolean; content: unknown }[] {
  const messages = (body as { messages: { role: string; content: unknown }[] }).messages;
  const last = messages[messages.length - 1];
  if (!last || !Array.isArray(last.content)) return [];
  return (last.content as { type: string }[]).filter((block) => block.type === 'tool_result') as never;
}

export function resultText(result: { content: unknown }): string {
  if (typeof result.content === 'string') return result.content;
  return (result.content as { type: string; text?: string }[]).map((block) => block.text ?? '').join('');
}

/** `flightdeck attach HOST/AGENT` in a real terminal until `shown` appears on it, then detached with Ctrl-\ d. */
export async function attachUntil(world: FleetWorld, ref: string, shown: string): Promise<void> {
  const child = pty.spawn(process.execPath, [CLI_BUNDLE, 'attach', ref], { name: 'xterm-256color', cols: 120, rows: 40, env: world.env as Record<string, string> });
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
  let output = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`attach ${ref} never showed ${JSON.stringify(shown)}; it showed ${JSON.stringify(output.slice(-2000))}`)), 60_000);
      child.onData((data) => {
        output += data;
        if (output.includes(shown)) resolve();
      });
    });
    child.write('\x1c');
    child.write('d');
    expect(await exited).toBe(0);
  } finally {
    clearTimeout(timer);
    try {
      child.kill('SIGKILL');
    } catch {
      // Detached and gone already.
    }
  }
}

/** Resolves with the first inbox item `done` accepts: from inbox.list, else the next inbox.event that adds one. */
export function waitForInbox(hostDir: string, done: (item: InboxItem) => boolean, timeoutMs = 60_000): Promise<InboxItem> {
  return untilOnBridge<InboxItem>(hostDir, 'an inbox item', timeoutMs, (peer, found, fail) => {
    const check = (item: InboxItem): void => {
      if (done(item)) found(item);
    };
    peer.request('inbox.list', {}).then(({ items }) => items.forEach(check), fail);
    return peer.onNotification('inbox.event', ({ type, item }) => type === 'added' && check(item));
  });
}

/** Resolves with the run once `done` accepts it: from run.list, else on each run.event. */
export function waitForRun(hostDir: string, id: string, done: (run: RunInfo) => boolean, timeoutMs = 60_000): Promise<RunInfo> {
  return untilOnBridge<RunInfo>(hostDir, `run ${id} getting there`, timeoutMs, (peer, found, fail) => {
    const check = (run: RunInfo): void => {
      if (run.id === id && done(run)) found(run);
    };
    peer.request('run.list', {}).then(({ runs }) => runs.forEach(check), fail);
    return peer.onNotification('run.event', ({ run }) => check(run));
  });
}
