import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { terminalKey } from '../../common/app/api';
import type { ConnectionState, HostView } from '../../common/app/hosts';
import { AGENT_HOST_BUNDLE } from '../integration/agent-host/client';
import { TerminalCollector, collectingClient } from './collect';
import { deferred, hostDatabase, openFaultWorld, type FaultWorld } from './world';

const execFileAsync = promisify(execFile);
// About 1 MB/s per session, numbered lines: steady load without starving a 2-core machine.
const LOAD = `$| = 1; my $n = 0; while (1) { for (1 .. 200) { $n++; print "load line $n: the agent keeps printing while the daemon dies\n" } select(undef, undef, undef, 0.01) }`;

describe('fault: the daemon is killed with SIGKILL under load', () => {
  let fault: FaultWorld | undefined;

  afterEach(async () => {
    await fault?.cleanup();
  });

  it('restarts with an intact journal and audit; old sessions are interrupted and readable; new sessions work', async () => {
    // Retention well above what the load prints, so "readable from 0" is owed byte for byte.
    fault = await openFaultWorld({ daemonFlags: ['--retention-bytes', String(256 * 1024 * 1024)] });
    const { core, hostDir } = fault;
    await core.addHost({ name: 'vm', target: 'vm', hostDir });

    const states: ConnectionState[] = [];
    const reconnected = deferred();
    const collector = new TerminalCollector();
    const client = collectingClient(core, collector, (method, params) => {
      if (method !== 'hosts.changed') return;
      states.push((params as { host: HostView }).host.state);
      if (states.includes('reconnecting') && states.at(-1) === 'connected') reconnected.resolve();
    });

    const loads = await Promise.all(
      [1, 2].map(async (n) => (await client.request('sessions.start', { host: 'vm', spec: { command: 'perl', args: ['-e', LOAD], name: `load-${n}` } })).session),
    );
    const typed = (await client.request('sessions.start', { host: 'vm', spec: { command: 'cat', name: 'typed' } })).session;
    for (const session of [...loads, typed]) await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    // Human input is audited in bursts; more than a burst's worth makes audit appends happen during the load.
    for (let burst = 0; burst < 5; burst++) {
      await client.request('sessions.input', { host: 'vm', sessionId: typed.id, data: `${'typed by the human '.repeat(250)}\r` });
    }
    for (const session of loads) await collector.until(terminalKey('vm', session.id), (stream) => stream.size > 256 * 1024);

    const daemonPid = Number(readFileSync(`${hostDir}/daemon.pid`, 'utf8').trim());
    const beforeKill = new Map(loads.map((session) => [session.id, collector.bytes(terminalKey('vm', session.id))]));
    process.kill(daemonPid, 'SIGKILL');
    await reconnected.promise;

    const newPid = Number(readFileSync(`${hostDir}/daemon.pid`, 'utf8').trim());
    expect(newPid).not.toBe(daemonPid);

    // The journal survived the kill.
    const db = new Database(hostDatabase(hostDir), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    // So did the audit chain, by the host's own verifier.
    const verify = await execFileAsync(process.execPath, [AGENT_HOST_BUNDLE, 'audit', 'verify', '--json', '--state-dir', hostDir]);
    const audit = JSON.parse(verify.stdout) as { ok: boolean; records: number };
    expect(audit.ok).toBe(true);
    expect(audit.records).toBeGreaterThan(0);

    // The sessions that died with the daemon are interrupted, not lost.
    const { hosts } = await client.request('hosts.list', {});
    const vm = hosts.find((host) => host.name === 'vm')!;
    for (const session of [...loads, typed]) expect(vm.sessions.find((info) => info.id === session.id)?.status).toBe('interrupted');

    // And still readable: the viewers resume to the end of the journal, and a fresh reader from 0 sees the same bytes.
    const reader = new TerminalCollector();
    const fresh = collectingClient(core, reader);
    for (const session of loads) {
      const key = terminalKey('vm', session.id);
      await collector.until(key, (stream) => stream.ended);
      await fresh.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
      await reader.until(key, (stream) => stream.ended);
      const journaled = reader.bytes(key);
      expect(journaled.equals(collector.bytes(key))).toBe(true);
      // Every byte a viewer saw before the kill had been journaled first.
      const seen = beforeKill.get(session.id)!;
      expect(journaled.subarray(0, seen.length).equals(seen)).toBe(true);
      expect(journaled.toString('utf8')).toMatch(/^load line 1: /);
    }
    expect(collector.failure).toBeUndefined();
    expect(reader.failure).toBeUndefined();

    // New sessions work on the restarted daemon.
    const after = (await client.request('sessions.start', { host: 'vm', spec: { command: 'sh', args: ['-c', 'echo alive after restart'] } })).session;
    await client.request('terminal.attach', { host: 'vm', sessionId: after.id, fromOffset: 0 });
    await collector.until(terminalKey('vm', after.id), (stream) => stream.text().includes('alive after restart'));
  });
});
