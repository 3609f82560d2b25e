// Agents over the real sshd: a host added through the CLI, its agent.env pointing at the fake model, a fixture repo
// cloned on "the VM", and ways to read what the host recorded (its audit table, read-only).
import Database from 'better-sqlite3';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { AgentInfo } from '../../../common/protocol/agents';
import { FAKE_API_KEY, type FakeAnthropic } from '../../harness/fake-anthropic';
import * as pty from 'node-pty';
import { CLI_BUNDLE, type FleetWorld } from '../fleet/env';

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

/** Polls the host (through the CLI, as a user would) until the agent satisfies `done`. */
export async function waitForAgent(world: FleetWorld, name: string, done: (agent: AgentInfo) => boolean, timeoutMs = 60_000): Promise<AgentInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: AgentInfo | undefined;
  while (Date.now() < deadline) {
    last = (await listAgents(world)).find((agent) => agent.name === name);
    if (last && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`agent ${name} did not get there in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

/** Waits until the fake model has received `count` requests. */
export async function waitForRequests(model: FakeAnthropic, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (model.requests.filter((request) => request.path === '/v1/messages').length < count) {
    if (Date.now() > deadline) throw new Error(`the model got ${model.requests.length} requests, not ${count}, in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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

/** `flightdeck attach HOST/AGENT` in a real terminal until `shown` appears on it, then detached with Ctrl-\\ d. */
export async function attachUntil(world: FleetWorld, ref: string, shown: string): Promise<void> {
  const child = pty.spawn(process.execPath, [CLI_BUNDLE, 'attach', ref], { name: 'xterm-256color', cols: 120, rows: 40, env: world.env as Record<string, string> });
  let output = '';
  child.onData((data) => (output += data));
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
  try {
    const deadline = Date.now() + 60_000;
    while (!output.includes(shown)) {
      if (Date.now() > deadline) throw new Error(`attach ${ref} never showed ${JSON.stringify(shown)}; it showed ${JSON.stringify(output.slice(-2000))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.write('\x1c');
    child.write('d');
    expect(await exited).toBe(0);
  } finally {
    try {
      child.kill('SIGKILL');
    } catch {
      // Detached and gone already.
    }
  }
}
