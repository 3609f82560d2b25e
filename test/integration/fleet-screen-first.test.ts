// The client core's screenFirst attach over real SSH: what a window is handed (the visible rows, then the whole
// screen, then the stream), in the order it is handed, whichever of the answer and the event comes first.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { terminalKey, type AppApi } from '../../common/app/api';
import type { ParsedParamsOf } from '../../common/protocol/define';
import type { CoreClient } from '../../main/core/coreClient';
import { FleetCore } from '../../main/core/fleetCore';
import { waitFor } from './agent-host/client';
import { drawScreen, HOST_SCROLLBACK } from './agent-host/screen';
import { withVm } from './fleet/env';

type ViewerEvent = ParsedParamsOf<AppApi, 'terminal.viewer'>['event'];
type Handed = { kind: 'output'; offset: number; data: Uint8Array } | { kind: 'event'; event: ViewerEvent };

const COLS = 80;
const ROWS = 24;
const LINES = 1500;
const HISTORY = `i=1; while [ $i -le ${LINES} ]; do echo "line $i"; i=$((i+1)); done`;

const draw = (writes: (string | Uint8Array)[]) => drawScreen(writes, COLS, ROWS);

describe('a window attaching screen first through the client core', { timeout: 120_000 }, () => {
  const vm = withVm();
  let core: FleetCore | undefined;

  beforeEach(async () => {
    for (const name of ['FLIGHTDECK_SSH_CONFIG', 'FLIGHTDECK_KNOWN_HOSTS', 'FLIGHTDECK_AGENT_HOST_NODE_MODULES', 'SSH_AUTH_SOCK']) {
      process.env[name] = vm.world.env[name];
    }
    core = FleetCore.open({ home: vm.world.home, clientName: 'fleet-screen-first-test' });
    expect((await core.addHost({ name: 'vm', target: 'vm', hostDir: vm.world.hostDir('vm') })).state).toBe('connected');
  });

  // Before withVm's own afterEach (hooks run in reverse): the core lets go of the host, then the world stops its daemon.
  afterEach(() => {
    core?.close();
    core = undefined;
  });

  it('hands over the visible rows, then the whole screen, then the stream from its offset; typed keys are echoed', async () => {
    const handed: Handed[] = [];
    const client: CoreClient = core!.openClient({
      notify: (method, params) => {
        if (method === 'terminal.viewer') handed.push({ kind: 'event', event: (params as ParsedParamsOf<AppApi, 'terminal.viewer'>).event });
      },
      output: (key, offset, data) => {
        handed.push({ kind: 'output', offset, data: data.slice() });
        client.ack(key, offset + data.length);
      },
    });
    const { session } = await client.request('sessions.start', {
      host: 'vm',
      spec: { command: 'sh', args: ['-c', `${HISTORY}; echo printed; exec cat`], cols: COLS, rows: ROWS },
    });
    // Wait for the history through a plain view, then leave it: the screen-first view is a fresh one.
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    const text = () => Buffer.concat(handed.flatMap((item) => (item.kind === 'output' ? [item.data] : []))).toString('latin1');
    await waitFor(() => text().includes('printed\r\n'), 'the history printed');
    await client.request('terminal.detach', { host: 'vm', sessionId: session.id });
    handed.length = 0;

    const result = await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: null, screenFirst: true });
    client.input(terminalKey('vm', session.id), new TextEncoder().encode('typed\r'));
    expect(result.scrollbackFollows).toBe(true);
    const visible = await draw([result.snapshot!.data]);
    expect(visible.scrollback).toBe(0);
    expect(visible.rows[ROWS - 3]).toBe(`line ${LINES}`);
    expect(visible.rows[ROWS - 2]).toBe('printed');

    // The terminal echoes the line, then cat prints it.
    await waitFor(() => text().includes('typed\r\ntyped\r\n'), 'the typed line echoed and printed');
    const [first, ...rest] = handed;
    if (first?.kind !== 'event' || first.event.state !== 'scrollback') throw new Error(`handed ${JSON.stringify(first)} before the scrollback`);
    const { snapshot } = first.event;
    expect(snapshot.offset).toBeGreaterThanOrEqual(result.streamFrom);
    let next = snapshot.offset;
    for (const item of rest) {
      if (item.kind !== 'output') throw new Error(`handed ${JSON.stringify(item.event)} after the scrollback`);
      expect(item.offset).toBe(next);
      next += item.data.length;
    }
    // What a renderer draws: the visible rows, then the reset and the whole screen, then the stream.
    const drawn = await draw([result.snapshot!.data, '\u001bc', snapshot.data, ...rest.map((item) => (item as { data: Uint8Array }).data)]);
    expect(drawn.scrollback).toBe(HOST_SCROLLBACK);
    expect(drawn.rows.slice(ROWS - 5)).toEqual([`line ${LINES}`, 'printed', 'typed', 'typed', '']);
    // 1,503 lines printed, 23 on screen above the cursor's row, 1,000 above those.
    expect(drawn.oldest).toBe(`line ${LINES + 3 - (ROWS - 1) - HOST_SCROLLBACK + 1}`);
  });
});
