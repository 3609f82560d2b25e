import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hello, OutputCollector, spawnLocalBridge, waitFor } from './client';
import { runCli, useLocalBridges } from './fixture';

const { dirs, bridges } = useLocalBridges();

interface AuditRow {
  target: string;
  data: string;
}

const PASSWORD = 'Tr0ub4dor&3-typed-fast';
// Built from parts so this file itself does not look like a leaked key.
const API_KEY = `sk-ant-api03-${'Zq9Xw8Vu7T'.repeat(8)}-AA`;

function inputRecords(stateDir: string, count: number): Promise<AuditRow[]> {
  return waitFor(() => {
    const db = new Database(join(stateDir, 'host.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT target, data FROM audit WHERE action = 'session.input' ORDER BY seq").all() as AuditRow[];
      return rows.length >= count ? rows : null;
    } finally {
      db.close();
    }
  }, `${count} input burst(s) in the audit`);
}

function wholeAudit(stateDir: string): string {
  const db = new Database(join(stateDir, 'host.db'), { readonly: true });
  try {
    return JSON.stringify(db.prepare('SELECT * FROM audit').all());
  } finally {
    db.close();
  }
}

describe('agent-host audit keeps typed and pasted secrets out', () => {
  it('hides a password typed the moment its prompt appears, and redacts a pasted API key; the chain verifies', async () => {
    const stateDir = await dirs.make();
    const local = spawnLocalBridge({ stateDir });
    bridges.push(local);
    const { peer } = local;
    await hello(peer, 'alice@laptop', 'flightdeck-desktop');

    const prompts = [
      { command: 'bash', args: ['-c', 'read -s -p "Password: " secret; echo; echo "length ${#secret}"; sleep 30'], prompt: 'Password: ' },
      { command: 'python3', args: ['-c', 'import getpass, time; s = getpass.getpass("Secret: "); print("length", len(s)); time.sleep(30)'], prompt: 'Secret: ' },
    ];
    const sessions: string[] = [];
    for (const { command, args, prompt } of prompts) {
      const { session } = await peer.request('session.start', { command, args });
      sessions.push(session.id);
      const output = new OutputCollector(peer, session.id, 0);
      await peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
      // No waiting for the host to call it waiting-for-input: type as soon as the prompt is on the screen.
      await output.untilText(prompt);
      peer.sendInput(session.id, new TextEncoder().encode(`${PASSWORD}\r`));
      await output.untilText(`length ${PASSWORD.length}`);
    }

    const { session: shell } = await peer.request('session.start', { command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: 'sh$ ' } });
    const shellOut = new OutputCollector(peer, shell.id, 0);
    await peer.request('session.attach', { sessionId: shell.id, fromOffset: 0 });
    await shellOut.untilText('sh$ ');
    await peer.request('session.input', { sessionId: shell.id, data: `export ANTHROPIC_API_KEY=${API_KEY}; echo set\r` });
    await shellOut.untilText('set\r\n');
    // Disconnecting flushes the bursts at once.
    peer.close();

    const rows = await inputRecords(stateDir, 3);
    const byTarget = new Map(rows.map((row) => [row.target, JSON.parse(row.data) as Record<string, unknown>]));
    for (const id of sessions) {
      expect(byTarget.get(`session:${id}`)).toMatchObject({ hidden: true, bytes: PASSWORD.length + 1 });
      expect(byTarget.get(`session:${id}`)).not.toHaveProperty('text');
    }
    expect(byTarget.get(`session:${shell.id}`)).toMatchObject({ text: 'export ANTHROPIC_API_KEY=«redacted:anthropic-key»; echo set\r' });
    const everything = wholeAudit(stateDir);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(API_KEY.slice(10));
    expect(runCli(['audit', 'verify', '--state-dir', stateDir]).code).toBe(0);
  });
});
