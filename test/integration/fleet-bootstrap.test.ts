import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, withVm } from './fleet/env';

const execFileAsync = promisify(execFile);

describe('bootstrap from the air-gapped tarball', { timeout: 180_000 }, () => {
  const vm = withVm();

  it('uploads the packed agent-host with its native addons into a fresh host dir and runs sessions from it', async () => {
    const { world } = vm;
    const packDir = join(world.dir, 'pack');
    await execFileAsync(process.execPath, [join(ROOT, 'scripts/pack-agent-host.mjs'), '--out-dir', packDir], { cwd: ROOT });
    const tarball = readdirSync(packDir).find((name) => name.endsWith('.tar.gz'));
    expect(tarball).toBeDefined();
    const env = { FLIGHTDECK_AGENT_HOST_TARBALL: join(packDir, tarball!), FLIGHTDECK_AGENT_HOST_NODE_MODULES: '' };
    const hostDir = world.hostDir('vm');

    const added = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir], { env });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const install = join(hostDir, 'agent-host', '0.1.0');
    expect(existsSync(join(install, 'agent-host.mjs'))).toBe(true);
    // The bridge-only entry rides in the tarball too: every exec channel runs it instead of the daemon bundle.
    expect(existsSync(join(install, 'bridge.mjs'))).toBe(true);
    // The addons came inside the upload: a real directory, not a link to this checkout.
    expect(lstatSync(join(install, 'node_modules')).isSymbolicLink()).toBe(false);
    expect(existsSync(join(install, 'node_modules', 'better-sqlite3', 'package.json'))).toBe(true);

    const started = await world.cli(['session', 'start', 'vm', '--', 'sh', '-c', 'echo from-the-tarball'], { env });
    const output = await world.cli(['session', 'output', started.stdout.trim(), '--follow'], { env });
    expect(output.stdout).toBe('from-the-tarball\r\n');
  });
});
