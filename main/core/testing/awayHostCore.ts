import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { FleetCore } from '../fleetCore';

/**
 * For each test: a FleetCore with one host "vm" that is away from the start (nothing listens on port 1), so every
 * answer about it comes from the cache. `core()` is the current test's.
 */
export function useAwayHostCore(): { core(): FleetCore } {
  let dir: string;
  let core: FleetCore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flightdeck-away-'));
    await writeFile(join(dir, 'ssh_config'), '');
    vi.stubEnv('FLIGHTDECK_SSH_CONFIG', join(dir, 'ssh_config'));
    vi.stubEnv('FLIGHTDECK_KNOWN_HOSTS', join(dir, 'known_hosts'));
    core = FleetCore.open({ home: join(dir, 'home'), clientName: 'flightdeck-test', backoff: { baseMs: 60_000, capMs: 60_000 } });
    await core.addHost({ name: 'vm', target: 'nobody@127.0.0.1:1' });
  });

  afterEach(async () => {
    core.close();
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  return { core: () => core };
}
