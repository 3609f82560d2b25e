import { describe, expect, it } from 'vitest';
import type { SessionStatus } from '../../../common/protocol/session';
import { hello, OutputCollector, spawnLocalBridge, waitFor } from './client';
import { useLocalBridges } from './fixture';

const { dirs, bridges } = useLocalBridges();

describe('agent-host session status with real programs', () => {
  it('tells a prompt, a blocked read, continuous output, a sleeper and an exit apart', async () => {
    const local = spawnLocalBridge({ stateDir: await dirs.make() });
    bridges.push(local);
    const { peer } = local;
    await hello(peer);
    const start = async (command: string, args: string[], env?: Record<string, string>) =>
      (await peer.request('session.start', { command, args, env })).session.id;
    const prompt = await start('bash', ['--norc', '--noprofile', '-i'], { PS1: 'agent$ ' });
    const blockedRead = await start('sh', ['-c', 'read answer; echo got $answer']);
    const printer = await start('sh', ['-c', 'while true; do echo busy; sleep 0.02; done']);
    const sleeper = await start('sleep', ['60']);
    const quitter = await start('sh', ['-c', 'sleep 0.3; exit 7']);

    const statusOf = async () => {
      const { sessions } = await peer.request('session.list', {});
      return new Map(sessions.map((s) => [s.id, s]));
    };
    const expected = new Map<string, SessionStatus>([
      [prompt, 'waiting-for-input'],
      [blockedRead, 'waiting-for-input'],
      [printer, 'working'],
      [sleeper, 'idle'],
      [quitter, 'exited'],
    ]);
    // Each reaches its status (one at a time: on a loaded machine a printer may pause for a moment).
    for (const [id, status] of expected) {
      await waitFor(async () => (await statusOf()).get(id)?.status === status, `${id} to be ${status}`, 10_000, 100);
    }
    expect((await statusOf()).get(quitter)?.exitCode).toBe(7);

    // Typing an answer ends the blocked read: the program prints and exits 0.
    const output = new OutputCollector(peer, blockedRead, 0);
    await peer.request('session.attach', { sessionId: blockedRead, fromOffset: 0 });
    await peer.request('session.input', { sessionId: blockedRead, data: 'yes\r' });
    await output.untilText('got yes');
    await waitFor(async () => (await statusOf()).get(blockedRead)?.status === 'exited', 'the reader to exit');
    await waitFor(async () => (await statusOf()).get(printer)?.status === 'working', 'the printer to be working');
  });

  it('signals, resizes, kills and removes sessions', async () => {
    const local = spawnLocalBridge({ stateDir: await dirs.make() });
    bridges.push(local);
    const { peer } = local;
    await hello(peer);
    const { session } = await peer.request('session.start', {
      command: 'sh',
      args: ['-c', 'trap "echo got-int" INT; while true; do sleep 0.05; done'],
      cols: 80,
      rows: 24,
    });
    const output = new OutputCollector(peer, session.id, 0);
    await peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    const events: string[] = [];
    peer.onNotification('session.event', (event) => event.session.id === session.id && events.push(event.type));
    await waitFor(async () => (await peer.request('session.list', {})).sessions[0]?.status === 'idle', 'idle');
    await peer.request('session.signal', { sessionId: session.id, signal: 'SIGINT' });
    await output.untilText('got-int');
    await peer.request('session.resize', { sessionId: session.id, cols: 100, rows: 30 });
    const resized = (await peer.request('session.list', {})).sessions[0]!;
    expect([resized.cols, resized.rows]).toEqual([100, 30]);
    await expect(peer.request('session.remove', { sessionId: session.id })).rejects.toThrow(/still running/);
    await peer.request('session.kill', { sessionId: session.id });
    await waitFor(() => events.includes('exited'), 'the exited event');
    const ended = (await peer.request('session.list', {})).sessions[0]!;
    expect(ended.exitSignal).toBe('SIGHUP');
    await peer.request('session.remove', { sessionId: session.id });
    expect((await peer.request('session.list', {})).sessions).toEqual([]);
    expect(events).toEqual(expect.arrayContaining(['resized', 'exited', 'removed']));
  });
});
