import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { locateBundle, packedFor, readTarball } from './bundle';

describe('the agent-host bundle on this machine', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('takes its version from version.json beside it (never loading the bundle) and finds the tarballs of that version', () => {
    dir = mkdtempSync(join(tmpdir(), 'flightdeck-bundle-'));
    const file = join(dir, 'out', 'agent-host', 'agent-host.mjs');
    mkdirSync(join(dir, 'out', 'agent-host'), { recursive: true });
    writeFileSync(file, 'throw new Error("the bundle was loaded");\n');
    writeFileSync(join(dir, 'out', 'agent-host', 'version.json'), '{"version":"9.8.7"}\n');
    for (const name of ['agent-host-9.8.7-linux-x64.tar.gz', 'agent-host-9.8.7-linux-arm64.tar.gz', 'agent-host-9.8.6-linux-x64.tar.gz']) {
      writeFileSync(join(dir, 'out', name), '');
    }
    const bundle = locateBundle({ FLIGHTDECK_AGENT_HOST_BUNDLE: file });
    expect(bundle).toMatchObject({
      file,
      bridgeFile: null,
      version: '9.8.7',
      tarballs: [join(dir, 'out', 'agent-host-9.8.7-linux-arm64.tar.gz'), join(dir, 'out', 'agent-host-9.8.7-linux-x64.tar.gz')],
      remoteNodeModules: null,
    });
  });

  it('reads the architecture and Node ABI that pack-agent-host.mjs recorded in a tarball', () => {
    dir = mkdtempSync(join(tmpdir(), 'flightdeck-bundle-'));
    const base = join(dir, 'agent-host-1.0.0-linux-riscv64');
    // A path longer than a tar header holds comes first (GNU tar writes it as an extra entry), then the manifest.
    const deep = join(base, 'node_modules', 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'package.json'), '{"flightdeck":{"arch":"wrong"}}');
    writeFileSync(join(base, 'package.json'), JSON.stringify({ name: 'flightdeck-agent-host', flightdeck: { platform: 'linux', arch: 'riscv64', nodeAbi: '115' } }));
    const tarball = join(dir, 'packed.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', dir, 'agent-host-1.0.0-linux-riscv64/node_modules', 'agent-host-1.0.0-linux-riscv64/package.json']);
    expect(packedFor(readTarball(tarball))).toEqual({ arch: 'riscv64', nodeAbi: '115' });
  });
});
