// Shared set-up for the fault suite: a real sshd, a fresh Flightdeck home, and the client core (FleetCore)
// talking to agent-host over SSH exactly as the app does.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetCore } from '../../main/core/fleetCore';
import { startSshd, type Sshd } from '../harness/sshd';
import { AGENT_HOST_BUNDLE } from '../integration/agent-host/client';
import { makeWorld, stopDaemon, type FleetWorld } from '../integration/fleet/env';
import { shellQuote } from '../bench/ssh';

export interface FaultWorld {
  sshd: Sshd;
  world: FleetWorld;
  hostDir: string;
  core: FleetCore;
  cleanup(): Promise<void>;
}

/**
 * The core reads its SSH environment from the process, as the desktop app does. FLIGHTDECK_REMOTE_BRIDGE makes it
 * run this checkout's agent-host bundle as the remote bridge, with the daemon flags a fault needs.
 */
export async function openFaultWorld(options: { daemonFlags?: string[] } = {}): Promise<FaultWorld> {
  const sshd = await startSshd();
  const world = await makeWorld();
  await world.writeSshConfig(sshd.sshConfigEntry('vm'));
  await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
  for (const name of ['FLIGHTDECK_SSH_CONFIG', 'FLIGHTDECK_KNOWN_HOSTS', 'FLIGHTDECK_AGENT_HOST_NODE_MODULES', 'SSH_AUTH_SOCK']) {
    process.env[name] = world.env[name];
  }
  const hostDir = world.hostDir('vm');
  process.env.FLIGHTDECK_REMOTE_BRIDGE = [process.execPath, AGENT_HOST_BUNDLE, 'bridge', '--state-dir', hostDir, ...(options.daemonFlags ?? [])]
    .map(shellQuote)
    .join(' ');
  const core = FleetCore.open({ home: world.home, clientName: 'flightdeck-fault-test' });
  return {
    sshd,
    world,
    hostDir,
    core,
    async cleanup() {
      core.close();
      delete process.env.FLIGHTDECK_REMOTE_BRIDGE;
      await stopDaemon(hostDir);
      await world.cleanup();
      await sshd.stop();
    },
  };
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const hostDatabase = (hostDir: string): string => join(hostDir, 'host.db');
