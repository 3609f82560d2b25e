import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_HOST_BUNDLE, hello, OutputCollector, spawnLocalBridge, waitFor, type LocalBridge } from './client';
import { daemonPid, isAlive, runCli, useLocalBridges } from './fixture';

const { dirs, bridges } = useLocalBridges();

function open(stateDir: string): LocalBridge {
  const local = spawnLocalBridge({ stateDir });
  bridges.push(local);
  return local;
}

describe('agent-host daemon faults', () => {
  it('stops cleanly when a journal write fails outside any request, keeping what it can; the next daemon carries on', async () => {
    const stateDir = await dirs.make();
    const { peer } = open(stateDir);
    await hello(peer);
    const { session } = await peer.request('session.start', { command: 'cat', args: [] });
    const output = new OutputCollector(peer, session.id, 0);
    await peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    peer.sendInput(session.id, new TextEncoder().encode('before\r'));
    await output.untilText('before\r\n');
    // Typing still in memory (its burst is recorded after a quiet second) when the database goes away. Only its
    // echo proves the daemon read it: typing sent after the lock could sit unread behind a write that blocks the
    // event loop for the whole busy wait, and the daemon would stop without ever seeing it.
    peer.sendInput(session.id, new TextEncoder().encode('lost\r'));
    await output.untilText('lost\r\n');
    const pid = daemonPid(stateDir)!;

    // Another writer holds the database: the daemon's next write (output, status or that burst) fails with
    // SQLITE_BUSY after its 5 s wait, outside any request.
    const blocker = new Database(join(stateDir, 'host.db'));
    blocker.exec('BEGIN IMMEDIATE');
    try {
      await waitFor(
        () => readFileSync(join(stateDir, 'daemon.log'), 'utf8').includes('the journal cannot be trusted any more, stopping'),
        'the daemon to give up on its journal',
        20_000,
      );
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    await waitFor(() => !isAlive(pid), 'the daemon to exit', 20_000);
    expect(readFileSync(join(stateDir, 'daemon.log'), 'utf8')).toMatch(/stopping: database error: database is locked/);

    const again = open(stateDir).peer;
    await hello(again);
    const [after] = (await again.request('session.list', {})).sessions;
    expect(after).toMatchObject({ id: session.id, status: 'interrupted' });
    // The typing that was in flight was still written to the audit on the way out, and the chain holds.
    const db = new Database(join(stateDir, 'host.db'), { readonly: true });
    const typed = db.prepare("SELECT data FROM audit WHERE action = 'session.input'").all() as { data: string }[];
    db.close();
    expect(typed.map((row) => (JSON.parse(row.data) as { text: string }).text).join('')).toBe('before\rlost\r');
    expect(runCli(['audit', 'verify', '--state-dir', stateDir]).code).toBe(0);
  }, 60_000);

  it('still stops on SIGTERM after the terminal it logs to went away', async () => {
    const stateDir = await dirs.make();
    const daemon = spawn(process.execPath, [AGENT_HOST_BUNDLE, 'serve', '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      daemon.stderr!.on('data', (chunk: Buffer) => chunk.toString().includes('listening on') && resolve());
    });
    // Answering a client means serving, signal handlers included.
    expect(runCli(['status', '--state-dir', stateDir]).code).toBe(0);
    // The SSH session or terminal closes: every later log line meets EPIPE.
    daemon.stderr!.destroy();
    daemon.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
