// sshd runs every exec command through the VM user's login shell. Bootstrap, the bridge and the CLI must work when
// that shell is fish or tcsh, not only sh and bash.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type FleetWorld } from './fleet/env';
import { startSshdWithLoginShell, type LoginShellSshd } from './fleet/loginShellSshd';

// A private mount namespace (to give sshd another /etc/passwd) needs root, as CI and this machine have: without it
// the test fails saying so rather than skipping quietly.
describe('a VM user whose login shell is not sh', { timeout: 180_000 }, () => {
  let world: FleetWorld;
  let sshd: LoginShellSshd | undefined;

  beforeEach(async () => {
    world = await makeWorld();
  });

  afterEach(async () => {
    await world.cleanup();
    await sshd?.stop();
    sshd = undefined;
  });

  it.each(['/usr/bin/fish', '/usr/bin/tcsh'])('bootstraps, bridges and runs sessions when the login shell is %s', async (shell) => {
    sshd = await startSshdWithLoginShell(shell);
    await world.writeSshConfig(sshd.sshConfigEntry);
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    // The tarball the build put beside out/agent-host: the upload with tar, as on a real VM.
    const env = { FLIGHTDECK_AGENT_HOST_NODE_MODULES: '' };
    const hostDir = world.hostDir('vm');

    const added = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir], { env });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(existsSync(join(hostDir, 'agent-host', '0.1.0', '.flightdeck-build'))).toBe(true);

    const started = await world.cli(['session', 'start', 'vm', '--', 'sh', '-c', 'echo "login shell: $SHELL"'], { env });
    expect(started.code).toBe(0);
    const output = await world.cli(['session', 'output', started.stdout.trim(), '--follow'], { env });
    expect(output.stdout).toBe(`login shell: ${shell}\r\n`);
  });
});
