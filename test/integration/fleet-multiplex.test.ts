import Database from 'better-sqlite3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { terminalKey } from '../../common/app/api';
import type { CoreClient } from '../../main/core/coreClient';
import { FleetCore } from '../../main/core/fleetCore';
import { startSshd, type Sshd } from '../harness/sshd';
import { makeWorld, stopDaemon, type FleetWorld } from './fleet/env';

/** The core reads its SSH environment from the process, as the desktop app and the CLI do. */
function useWorldEnvironment(world: FleetWorld): void {
  for (const name of ['FLIGHTDECK_SSH_CONFIG', 'FLIGHTDECK_KNOWN_HOSTS', 'FLIGHTDECK_AGENT_HOST_NODE_MODULES', 'SSH_AUTH_SOCK']) {
    process.env[name] = world.env[name];
  }
}

/** One UI client (a window) that collects what it is shown of one session, checking offsets as a renderer does. */
class Window {
  readonly client: CoreClient;
  text = '';
  private next = 0;
  private waiters: { needle: string; resolve: () => void }[] = [];

  constructor(core: FleetCore) {
    this.client = core.openClient({
      notify: () => undefined,
      output: (key, offset, data) => {
        expect(offset).toBe(this.next);
        this.next = offset + data.length;
        this.text += Buffer.from(data).toString('latin1');
        this.client.ack(key, this.next);
        for (const waiter of [...this.waiters]) {
          if (this.text.includes(waiter.needle)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      },
    });
  }

  shown(needle: string): Promise<void> {
    if (this.text.includes(needle)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ needle, resolve }));
  }
}

describe('every window of the app on one SSH channel per host', { timeout: 120_000 }, () => {
  let sshd: Sshd;
  let world: FleetWorld;
  let core: FleetCore | undefined;
  let hostDir: string;

  beforeEach(async () => {
    // Fewer session channels than windows: a core that opened a channel per window could not show them all.
    sshd = await startSshd({ hardened: true, extraConfig: ['MaxSessions 2'] });
    world = await makeWorld();
    await world.writeSshConfig(sshd.sshConfigEntry('vm'));
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    useWorldEnvironment(world);
    hostDir = world.hostDir('vm');
    core = FleetCore.open({ home: world.home, clientName: 'fleet-multiplex-test' });
    expect((await core.addHost({ name: 'vm', target: 'vm', hostDir })).state).toBe('connected');
  });

  afterEach(async () => {
    core?.close();
    await stopDaemon(hostDir);
    await world.cleanup();
    await sshd.stop();
  });

  it('streams one session to twelve windows, each byte-exact and under its own flow control', async () => {
    const windows = Array.from({ length: 12 }, () => new Window(core!));
    const lines = 300;
    const script = `read go; for i in $(seq 1 ${lines}); do echo "line $i"; done; echo DONE`;
    const { session } = await windows[0]!.client.request('sessions.start', { host: 'vm', spec: { command: 'sh', args: ['-c', script] } });
    await Promise.all(windows.map((window) => window.client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 })));
    await windows[0]!.client.request('sessions.input', { host: 'vm', sessionId: session.id, data: 'go\r' });
    await Promise.all(windows.map((window) => window.shown('DONE\r\n')));
    const expected = `go\r\n${Array.from({ length: lines }, (_, i) => `line ${i + 1}\r\n`).join('')}DONE\r\n`;
    for (const window of windows) expect(window.text).toBe(expected);
  });

  it('lets only the window holding input answer a terminal query, and does not audit answers as typing', async () => {
    const [first, second] = [new Window(core!), new Window(core!)];
    // Asks the terminal for its device attributes twice and reports which answers reached it, in order, up to END.
    const program = [
      'import os, sys, tty',
      'tty.setraw(0)',
      'def round(tag):',
      "    os.write(1, ('ASK' + tag + '\\x1b[c').encode())",
      "    got = b''",
      "    while not got.endswith(b'END\\r'):",
      '        got += os.read(0, 1024)',
      "    os.write(1, ('\\r\\n' + tag + ' ' + repr(got[:-4]) + '\\r\\n').encode())",
      "round('1')",
      "line = b''",
      "while not line.endswith(b'\\r'):",
      '    line += os.read(0, 1)',
      "round('2')",
    ].join('\n');
    const { session } = await first.client.request('sessions.start', { host: 'vm', spec: { command: 'python3', args: ['-c', program] } });
    const key = terminalKey('vm', session.id);
    await first.client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    await second.client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    const answer = (window: Window, reply: string) => window.client.reply(key, Buffer.from(reply, 'latin1'));
    // Sent after both answers on the same channel, so the program has read them (or not) when END arrives.
    const end = () => first.client.request('sessions.input', { host: 'vm', sessionId: session.id, data: 'END\r' });

    await Promise.all([first.shown('ASK1\x1b[c'), second.shown('ASK1\x1b[c')]);
    answer(first, '\x1b[?1;2c');
    answer(second, '\x1b[?6c');
    await end();
    await first.shown('\r\n1 ');
    expect(first.text).toContain(`1 b'\\x1b[?1;2c'\r\n`);

    // The second window types: from now on its terminal is the one that answers.
    second.client.input(key, Buffer.from('go\r'));
    await Promise.all([first.shown('ASK2\x1b[c'), second.shown('ASK2\x1b[c')]);
    answer(first, '\x1b[?1;2c');
    answer(second, '\x1b[?6c');
    await end();
    await first.shown('\r\n2 ');
    expect(first.text).toContain(`2 b'\\x1b[?6c'\r\n`);

    // Typing that pretends to be an answer is refused, not typed unaudited.
    answer(second, 'rm -rf ~\r');
    await second.client.request('sessions.input', { host: 'vm', sessionId: session.id, data: '' });

    core!.close();
    core = undefined;
    await stopDaemon(hostDir);
    const db = new Database(join(hostDir, 'host.db'), { readonly: true });
    const typed = (db.prepare("SELECT data FROM audit WHERE action = 'session.input' ORDER BY seq").all() as { data: string }[]).map(
      (row) => (JSON.parse(row.data) as { text?: string }).text ?? '',
    );
    db.close();
    expect(typed.join('')).toContain('go\r');
    expect(typed.join('')).toContain('END\r');
    expect(typed.join('')).not.toContain('\x1b[?');
    expect(typed.join('')).not.toContain('rm -rf');
  });
});
