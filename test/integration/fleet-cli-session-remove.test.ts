import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type FleetWorld } from './fleet/env';

describe('flightdeck session remove', () => {
  let world: FleetWorld;

  beforeEach(async () => {
    world = await makeWorld();
  });

  afterEach(() => world.cleanup());

  it('refuses a running session, naming the way out, and removes an ended one from its host', async () => {
    expect((await world.cli(['host', 'add', 'box', '--local', '--host-dir', world.hostDir('box')])).code).toBe(0);
    const running = (await world.cli(['session', 'start', 'box', '--name', 'runner', '--', 'sleep', '30'])).stdout.trim();
    const done = (await world.cli(['session', 'start', 'box', '--name', 'done', '--', 'sh', '-c', 'echo finished'])).stdout.trim();
    expect((await world.cli(['session', 'output', done, '--follow'])).stdout).toBe('finished\r\n');

    const refused = await world.cli(['session', 'remove', 'box/runner']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`flightdeck: ${running} is still running \\(\\w+\\); only ended sessions can be removed: flightdeck session kill ${running} first`));

    const removed = await world.cli(['session', 'remove', 'box/done', '--json']);
    expect(removed.stderr).toBe('');
    expect(JSON.parse(removed.stdout)).toEqual({ removed: done });
    const listed = JSON.parse((await world.cli(['session', 'list', 'box', '--json'])).stdout) as { sessions: { session: { name: string } }[] };
    expect(listed.sessions.map((row) => row.session.name)).toEqual(['runner']);
    expect((await world.cli(['session', 'remove', done])).stderr).toContain(`no session "${done.split('/')[1]}"`);
  }, 120_000);
});
