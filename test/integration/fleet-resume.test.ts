// What a terminal consumer gets across a host outage: keystrokes typed meanwhile (sent, or refused visibly when the
// screen changed under them), and the exact screen when the host cut output the consumer never saw.
import { spawn } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import headless from '@xterm/headless';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppApi } from '../../common/app/api';
import type { ConnectionState } from '../../common/app/hosts';
import type { ParsedParamsOf } from '../../common/protocol/define';
import { FleetCore } from '../../main/core/fleetCore';
import type { CoreClient } from '../../main/core/coreClient';
import { TYPED_AHEAD_LIMIT_BYTES } from '../../main/core/terminalLane';
import { startSshd, type Sshd } from '../harness/sshd';
import { hello, spawnLocalBridge, waitFor as poll } from './agent-host/client';
import { ROOT, makeWorld, stopDaemon, type FleetWorld } from './fleet/env';

type ViewerEvent = ParsedParamsOf<AppApi, 'terminal.viewer'>['event'];

function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (condition()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

/** A consumer that keeps everything it is told, in order. */
class Recorder {
  text = '';
  states: ConnectionState[] = [];
  events: ViewerEvent[] = [];
  /** What a screen would be fed: output bytes, and a reset + snapshot where a re-attach carried one. */
  feed: (string | Uint8Array)[] = [];
  firstOutputAfterSnapshot: number | null = null;
  /** The offset after the last output byte received (and acked): where a re-attach resumes. */
  offset = 0;
  private awaitingStreamAt: number | null = null;
  client!: CoreClient;

  open(core: FleetCore): CoreClient {
    this.client = core.openClient({
      notify: (method, params) => {
        if (method === 'hosts.changed') this.states.push((params as ParsedParamsOf<AppApi, 'hosts.changed'>).host.state);
        if (method === 'terminal.viewer') {
          const { event } = params as ParsedParamsOf<AppApi, 'terminal.viewer'>;
          this.events.push(event);
          if (event.state === 'reattached' && event.snapshot) {
            this.feed.push('\u001bc', event.snapshot.data);
            this.awaitingStreamAt = event.streamFrom;
          }
        }
      },
      output: (key, offset, data) => {
        if (this.awaitingStreamAt !== null) {
          this.firstOutputAfterSnapshot = offset;
          this.awaitingStreamAt = null;
        }
        this.offset = offset + data.length;
        this.text += Buffer.from(data).toString('utf8');
        this.feed.push(data.slice());
        this.client.ack(key, offset + data.length);
      },
    });
    return this.client;
  }

  event<S extends ViewerEvent['state']>(state: S): Extract<ViewerEvent, { state: S }> | undefined {
    return this.events.find((event): event is Extract<ViewerEvent, { state: S }> => event.state === state);
  }
}

async function screenOf(chunks: (string | Uint8Array)[], cols: number, rows: number): Promise<string[]> {
  const terminal = new headless.Terminal({ cols, rows, allowProposedApi: true });
  for (const chunk of chunks) await new Promise<void>((resolve) => terminal.write(chunk, resolve));
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let row = 0; row < rows; row++) lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
  terminal.dispose();
  return lines;
}

describe('a terminal across a host outage', { timeout: 180_000 }, () => {
  let sshd: Sshd;
  let world: FleetWorld;
  let core: FleetCore | undefined;
  let hostDir: string;
  let keys: { host: string; client: string };

  beforeEach(async () => {
    sshd = await startSshd({ hardened: true });
    world = await makeWorld();
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    for (const name of ['FLIGHTDECK_SSH_CONFIG', 'FLIGHTDECK_KNOWN_HOSTS', 'FLIGHTDECK_AGENT_HOST_NODE_MODULES', 'SSH_AUTH_SOCK']) {
      process.env[name] = world.env[name];
    }
    hostDir = world.hostDir('vm');
    // The same host comes back after the outage: same address, same host key, same authorized client key.
    keys = { host: join(world.dir, 'host_key'), client: join(world.dir, 'client_key') };
    await copyFile(sshd.hostKeyPath, keys.host);
    await copyFile(sshd.clientKeyPath, keys.client);
    await world.writeSshConfig(sshd.sshConfigEntry('vm').replaceAll(sshd.clientKeyPath, keys.client));
  });

  afterEach(async () => {
    core?.close();
    core = undefined;
    await stopDaemon(hostDir);
    await world.cleanup();
    await sshd.stop();
  });

  /** The VM's sshd goes away (connection drops, reconnects fail) until `back()` brings it up again. */
  async function outage(recorder: Recorder): Promise<{ back: () => Promise<void> }> {
    const port = sshd.port;
    const seen = recorder.states.length;
    await sshd.stop();
    await waitFor('the host to notice the drop', () => recorder.states.slice(seen).includes('reconnecting'));
    return {
      back: async () => {
        sshd = await startSshd({ hardened: true, port, hostKeyPath: keys.host, clientKeyPath: keys.client });
        // Skip whatever backoff delay is left: the human pressed "reconnect now".
        await core!.connectHost('vm');
      },
    };
  }

  it('sends keystrokes typed while the host was away once re-attached, when the session printed nothing meanwhile', async () => {
    core = FleetCore.open({ home: world.home, clientName: 'fleet-resume-test' });
    const recorder = new Recorder();
    const client = recorder.open(core);
    expect((await core.addHost({ name: 'vm', target: 'vm', hostDir })).state).toBe('connected');
    const { session } = await client.request('sessions.start', {
      host: 'vm',
      spec: { command: 'bash', args: ['-c', 'echo ready; read -t 90 answer; echo "got:$answer"; sleep 0.3'] },
    });
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    await waitFor('the prompt', () => recorder.text.includes('ready\r\n'));

    const { back } = await outage(recorder);
    client.input(`vm~${session.id}`, new TextEncoder().encode('hello\r'));
    await back();

    await waitFor('the answer', () => recorder.text.includes('got:'), 60_000);
    expect(recorder.text).toContain('got:hello\r\n');
    expect(recorder.event('input-refused')).toBeUndefined();
  });

  it('refuses them visibly when the session printed output the typist had not seen', async () => {
    core = FleetCore.open({ home: world.home, clientName: 'fleet-resume-test' });
    const recorder = new Recorder();
    const client = recorder.open(core);
    expect((await core.addHost({ name: 'vm', target: 'vm', hostDir })).state).toBe('connected');
    const flag = join(world.dir, 'go');
    const printed = join(world.dir, 'printed');
    const { session } = await client.request('sessions.start', {
      host: 'vm',
      spec: {
        command: 'bash',
        args: ['-c', `echo ready; while [ ! -e ${flag} ]; do sleep 0.02; done; echo "Delete everything? [y/N]"; touch ${printed}; read -t 90 answer; echo "got:$answer"`],
      },
    });
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    await waitFor('the first line', () => recorder.text.includes('ready\r\n'));

    const { back } = await outage(recorder);
    await writeFile(flag, '');
    await waitFor('the session to print its new question', () => existsSync(printed));
    // A paste past the bound is refused at once, whole.
    client.input(`vm~${session.id}`, new Uint8Array(TYPED_AHEAD_LIMIT_BYTES + 1).fill(0x61));
    expect(recorder.event('input-refused')).toMatchObject({ bytes: TYPED_AHEAD_LIMIT_BYTES + 1, reason: expect.stringContaining('more than 65536 bytes') });
    client.input(`vm~${session.id}`, new TextEncoder().encode('y\r'));
    await back();

    await waitFor('the refusal', () => recorder.events.filter((event) => event.state === 'input-refused').length === 2, 60_000);
    expect(recorder.events.filter((event) => event.state === 'input-refused')[1]).toMatchObject({
      sessionId: session.id,
      bytes: 2,
      reason: expect.stringContaining('had not seen'),
    });
    await waitFor('the question to be shown', () => recorder.text.includes('[y/N]'));
    // The "y" never reached the new question: the session still waits for an answer.
    await client.request('sessions.input', { host: 'vm', sessionId: session.id, data: 'n\r' });
    await waitFor('the typed answer', () => recorder.text.includes('got:'));
    expect(recorder.text).toContain('got:n\r\n');
  });

  it('draws the snapshot first when the host cut output while disconnected, so the screen is exact', async () => {
    // A daemon that keeps only 4 KiB of journal per session (started the way the bridge starts it).
    await new Promise<void>((resolve, reject) => {
      const starter = spawn(process.execPath, [join(ROOT, 'out/agent-host/bridge.mjs'), '--state-dir', hostDir, '--retention-bytes', '4096'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      starter.once('error', reject);
      starter.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`bridge exited ${code}`))));
    });
    core = FleetCore.open({ home: world.home, clientName: 'fleet-resume-test' });
    const recorder = new Recorder();
    const client = recorder.open(core);
    expect((await core.addHost({ name: 'vm', target: 'vm', hostDir })).state).toBe('connected');
    const flag = join(world.dir, 'go');
    const cols = 80;
    const rows = 24;
    const { session } = await client.request('sessions.start', {
      host: 'vm',
      spec: {
        command: 'bash',
        args: [
          '-c',
          `printf '\\033[2J\\033[Hheader stays on top\\n'; echo ready; while [ ! -e ${flag} ]; do sleep 0.02; done; ` +
            `for i in $(seq 1 400); do printf 'line %04d %s\\n' $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done; ` +
            // Later small writes are what let the host cut (it trims when output arrives and a checkpoint is ready).
            `printf '\\033[1;1Hheader after the flood\\033[K'; for i in 1 2 3 4 5 6; do sleep 0.3; printf '\\033[2;1Hstill here %d\\033[K' $i; done; sleep 60`,
        ],
        cols,
        rows,
      },
    });
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    await waitFor('the first lines', () => recorder.text.includes('ready\r\n'));

    const { back } = await outage(recorder);
    await writeFile(flag, '');
    // The flood is ~27 KiB: far past what a 4 KiB journal keeps. Wait until the host has cut past the last byte
    // this consumer got, so its re-attach must start with a snapshot. The host sends no notification when it
    // trims a journal (and the core is cut off anyway), so ask the daemon over a bridge of our own, polling
    // session.list with a deadline.
    const seen = recorder.offset;
    expect(seen).toBeGreaterThan(0);
    const side = spawnLocalBridge({ stateDir: hostDir });
    let cut: number;
    try {
      await hello(side.peer);
      cut = await poll(async () => {
        const { sessions } = await side.peer.request('session.list', {});
        const retainedFrom = sessions.find((candidate) => candidate.id === session.id)?.retainedFrom ?? 0;
        return retainedFrom > seen ? retainedFrom : null;
      }, `the host to cut the journal past offset ${seen}`, 30_000);
    } finally {
      side.child.kill();
    }
    expect(recorder.offset).toBe(seen);
    await back();

    await waitFor('the re-attach', () => recorder.event('reattached') !== undefined, 60_000);
    const reattached = recorder.event('reattached')!;
    expect(reattached.snapshot).toBeTruthy();
    expect(reattached.snapshot!.offset).toBe(reattached.streamFrom);
    expect(reattached.streamFrom).toBeGreaterThanOrEqual(cut);
    await waitFor('the last output', () => recorder.text.includes('still here 6'), 60_000);
    expect(recorder.firstOutputAfterSnapshot).toBe(reattached.streamFrom);

    // The exact screen: what a fresh viewer of the finished flood sees.
    const fresh = await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: null });
    const expected = await screenOf(fresh.snapshot ? [fresh.snapshot.data] : [], cols, rows);
    expect(expected.slice(0, 2)).toEqual(['header after the flood', 'still here 6']);
    expect(await screenOf(recorder.feed, cols, rows)).toEqual(expected);
  });
});
