import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionStatus } from '../../../common/protocol/session';
import { hello, OutputCollector, spawnLocalBridge, waitFor } from './client';
import { runCli, useLocalBridges } from './fixture';

const { dirs, bridges } = useLocalBridges();

interface AuditRow {
  seq: number;
  actor: string;
  action: string;
  target: string;
  data: string;
}

describe('agent-host audit of human input', () => {
  it('attributes keystroke bursts to the typing human, and keeps passwords out', async () => {
    const stateDir = await dirs.make();
    const local = spawnLocalBridge({ stateDir });
    bridges.push(local);
    const { peer } = local;
    await hello(peer, 'alice@laptop', 'flightdeck-desktop');
    const statuses = new Map<string, SessionStatus>();
    peer.onNotification('session.event', (event) => statuses.set(event.session.id, event.session.status));

    const { session: shell } = await peer.request('session.start', { command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: 'sh$ ' } });
    const { session: login } = await peer.request('session.start', {
      command: 'bash',
      args: ['-c', 'read -s -p "Password: " secret; echo; echo "length ${#secret}"; sleep 30'],
    });
    const shellOut = new OutputCollector(peer, shell.id, 0);
    const loginOut = new OutputCollector(peer, login.id, 0);
    await peer.request('session.attach', { sessionId: shell.id, fromOffset: 0 });
    await peer.request('session.attach', { sessionId: login.id, fromOffset: 0 });
    await waitFor(() => statuses.get(login.id) === 'waiting-for-input', 'the password prompt to wait');
    await waitFor(() => statuses.get(shell.id) === 'waiting-for-input', 'the shell prompt to wait');

    peer.sendInput(login.id, new TextEncoder().encode('hunter2\r'));
    await loginOut.untilText('length 7');
    await peer.request('session.input', { sessionId: shell.id, data: 'echo visible-command\r' });
    await shellOut.untilText('visible-command\r\n');
    // Disconnecting flushes the bursts at once.
    peer.close();

    const path = join(stateDir, 'host.db');
    const rows = await waitFor(() => {
      const db = new Database(path, { readonly: true });
      try {
        const found = db.prepare("SELECT * FROM audit WHERE action = 'session.input' ORDER BY seq").all() as AuditRow[];
        return found.length >= 2 ? found : null;
      } finally {
        db.close();
      }
    }, 'both input bursts in the audit');
    const byTarget = new Map(rows.map((row) => [row.target, row]));
    const typedPassword = byTarget.get(`session:${login.id}`)!;
    const typedCommand = byTarget.get(`session:${shell.id}`)!;
    expect(typedPassword.actor).toBe('user:alice@laptop');
    expect(JSON.parse(typedPassword.data)).toMatchObject({ hidden: true, bytes: 8, client: 'flightdeck-desktop' });
    expect(JSON.parse(typedCommand.data)).toMatchObject({ text: 'echo visible-command\r', client: 'flightdeck-desktop' });
    const db = new Database(path, { readonly: true });
    const everything = JSON.stringify(db.prepare('SELECT * FROM audit').all());
    db.close();
    expect(everything).not.toContain('hunter2');
    expect(runCli(['audit', 'verify', '--state-dir', stateDir]).code).toBe(0);
  });
});
