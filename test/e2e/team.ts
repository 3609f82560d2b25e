// The people around the e2e VM, as docs/orchestration.md sets them up: the VM's admin installs agent-host through an
// unbound key and binds each person's own key to the bridge with their name; a person's laptop is a FLIGHTDECK_HOME,
// SSH config and known_hosts of their own, running the real CLI.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { generateKeyPair, type KeyPair, type Sshd } from '../harness/sshd';
import { runCli } from '../integration/agent-host/fixture';
import { makeWorld, type CliResult, type FleetWorld } from '../integration/fleet/env';

/** A laptop that knows the sshd as `vm` (its host key trusted). Its `cleanup` stops nothing it did not start. */
export async function laptop(sshd: Sshd): Promise<FleetWorld> {
  const world = await makeWorld();
  await world.writeSshConfig(sshd.sshConfigEntry('vm', { knownHostsPath: world.knownHostsPath }));
  await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
  return world;
}

export async function succeeded(result: Promise<CliResult>): Promise<string> {
  const { code, stdout, stderr } = await result;
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout;
}

/** The admin's `host add` over the sshd's own (unbound) client key: agent-host installed and its daemon started in `hostDir`. */
export async function installAgentHost(sshd: Sshd, hostDir: string): Promise<void> {
  const admin = await laptop(sshd);
  try {
    await succeeded(admin.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir], { timeoutMs: 120_000 }));
  } finally {
    // The daemon it started belongs to the VM now: only the admin's own files go.
    await admin.cleanup();
  }
}

/** The admin binds a fresh key of `name`'s to the bridge with that name: authorized_keys and the host's identities file. */
export async function bindPerson(sshd: Sshd, hostDir: string, keysDir: string, name: string): Promise<KeyPair> {
  const key = await generateKeyPair(keysDir, name);
  const bound = runCli(['identity', 'add', name, '--key', key.publicKey, '--authorized-keys', join(sshd.dir, 'authorized_keys'), '--state-dir', hostDir]);
  expect(bound.stderr).toBe('');
  expect(bound.code).toBe(0);
  return key;
}
