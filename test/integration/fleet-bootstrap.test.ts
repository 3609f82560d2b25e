import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import type ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureAgentHost, remoteLayout } from '../../main/fleet/bootstrap';
import type { AgentHostBundle } from '../../main/fleet/bundle';
import { ROOT, withVm, type FleetWorld } from './fleet/env';
import { connectRaw } from './fleet/rawSsh';

const execFileAsync = promisify(execFile);
const BUILT = join(ROOT, 'out/agent-host');

async function pack(world: FleetWorld): Promise<string> {
  const packDir = join(world.dir, 'pack');
  await execFileAsync(process.execPath, [join(ROOT, 'scripts/pack-agent-host.mjs'), '--out-dir', packDir], { cwd: ROOT });
  const tarball = readdirSync(packDir).find((name) => name.endsWith('.tar.gz'));
  if (!tarball) throw new Error(`pack-agent-host.mjs wrote no tarball into ${packDir}`);
  return join(packDir, tarball);
}

/** The same tarball claiming another CPU architecture (in its package.json and its name), as if packed there. */
async function repackAs(tarball: string, arch: string, world: FleetWorld): Promise<string> {
  const dir = join(world.dir, `repack-${arch}`);
  mkdirSync(dir);
  await execFileAsync('tar', ['-xzf', tarball, '-C', dir]);
  const [base] = readdirSync(dir);
  const renamed = base!.replace(/-linux-[^-]+$/, `-linux-${arch}`);
  renameSync(join(dir, base!), join(dir, renamed));
  const manifest = JSON.parse(readFileSync(join(dir, renamed, 'package.json'), 'utf8')) as { flightdeck: { arch: string } };
  manifest.flightdeck.arch = arch;
  writeFileSync(join(dir, renamed, 'package.json'), JSON.stringify(manifest));
  const result = join(world.dir, `${renamed}.tar.gz`);
  await execFileAsync('tar', ['-czf', result, '-C', dir, renamed]);
  return result;
}

/** Every file under `dir` with its sha256, by relative path. */
function tree(dir: string, root = dir, into: Record<string, string> = {}): Record<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tree(path, root, into);
    else into[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return into;
}

function bundleWith(overrides: Partial<AgentHostBundle>): AgentHostBundle {
  const file = join(BUILT, 'agent-host.mjs');
  const bridgeFile = join(BUILT, 'bridge.mjs');
  const sha256 = createHash('sha256').update(readFileSync(file)).update(readFileSync(bridgeFile)).digest('hex');
  const { version } = JSON.parse(readFileSync(join(BUILT, 'version.json'), 'utf8')) as { version: string };
  return { file, bridgeFile, runbookFiles: [], version, sha256, tarballs: [], remoteNodeModules: null, ...overrides };
}

describe('bootstrap from the air-gapped tarball', { timeout: 180_000 }, () => {
  const vm = withVm();
  const clients: ssh2.Client[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.end();
  });
  const connect = async (): Promise<ssh2.Client> => {
    const client = await connectRaw(vm.sshd);
    clients.push(client);
    return client;
  };

  it('uploads the packed agent-host with its native addons into a fresh host dir and runs sessions from it', async () => {
    const { world } = vm;
    const env = { FLIGHTDECK_AGENT_HOST_TARBALL: await pack(world), FLIGHTDECK_AGENT_HOST_NODE_MODULES: '' };
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

  it('needs nothing but what the build produces: the bundle and, beside it, the tarball for VMs', async () => {
    const { world } = vm;
    // What `npm run build` (and `npm start`, and the test setup) runs, into a fresh out dir.
    const bundle = join(world.dir, 'build', 'out', 'agent-host', 'agent-host.mjs');
    await execFileAsync(process.execPath, [join(ROOT, 'scripts/build-agent-host.mjs'), '--outfile', bundle], { cwd: ROOT });
    const env = { FLIGHTDECK_AGENT_HOST_BUNDLE: bundle, FLIGHTDECK_AGENT_HOST_TARBALL: '', FLIGHTDECK_AGENT_HOST_NODE_MODULES: '' };
    const hostDir = world.hostDir('vm');

    const added = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir], { env });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(lstatSync(join(hostDir, 'agent-host', '0.1.0', 'node_modules')).isSymbolicLink()).toBe(false);
    const started = await world.cli(['session', 'start', 'vm', '--', 'sh', '-c', 'echo built-and-packed'], { env });
    expect((await world.cli(['session', 'output', started.stdout.trim(), '--follow'], { env })).stdout).toBe('built-and-packed\r\n');
  });

  it('lets bootstraps racing into one fresh host dir all end with the complete install, and leaves no temp dir', async () => {
    const { world } = vm;
    const tarball = await pack(world);
    const bundle = bundleWith({ tarballs: [tarball] });
    const hostDir = world.hostDir('vm');
    const layout = remoteLayout(hostDir, bundle.version, process.execPath);
    // Six at once: with a shared staging path, as before, one of them reliably trips over another.
    const racers = await Promise.all(Array.from({ length: 6 }, connect));

    const results = await Promise.all(racers.map((client) => ensureAgentHost(client, bundle, layout)));
    expect(results.some((result) => result.installed)).toBe(true);

    const expected = join(world.dir, 'expected');
    mkdirSync(expected);
    await execFileAsync('tar', ['-xzf', tarball, '-C', expected, '--strip-components=1']);
    const marker = `tarball:${createHash('sha256').update(readFileSync(tarball)).digest('hex')}`;
    writeFileSync(join(expected, '.flightdeck-build'), `${marker}\n`);
    expect(tree(layout.installDir)).toEqual(tree(expected));
    expect(readdirSync(dirname(layout.installDir))).toEqual([bundle.version]);

    // Another build of the same version replaces it whole (the old one is moved aside, then removed).
    const other = bundleWith({ remoteNodeModules: join(ROOT, 'node_modules') });
    expect(await ensureAgentHost(racers[0]!, other, layout)).toMatchObject({ installed: true });
    expect(readFileSync(join(layout.installDir, '.flightdeck-build'), 'utf8')).toBe(`file:${other.sha256}\n`);
    expect(existsSync(join(layout.installDir, 'INSTALL.txt'))).toBe(false);
    expect(readdirSync(dirname(layout.installDir))).toEqual([bundle.version]);
  });

  it('refuses an upload whose bytes are not the build it claims to be, and installs nothing', async () => {
    const { world } = vm;
    // A build located, then changed before its upload (a rebuild racing the bootstrap): what arrives is not it.
    const copy = join(world.dir, 'copy');
    mkdirSync(copy);
    for (const name of ['agent-host.mjs', 'bridge.mjs']) copyFileSync(join(BUILT, name), join(copy, name));
    const bundle = bundleWith({ file: join(copy, 'agent-host.mjs'), bridgeFile: join(copy, 'bridge.mjs'), remoteNodeModules: join(ROOT, 'node_modules') });
    appendFileSync(bundle.file, '\n// not the located build\n');
    const layout = remoteLayout(world.hostDir('vm'), bundle.version, process.execPath);

    const refused = await ensureAgentHost(await connect(), bundle, layout).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'agent-host-failed', message: expect.stringContaining(`sha256 ${createHash('sha256').update(Buffer.concat([readFileSync(bundle.file), readFileSync(bundle.bridgeFile!)])).digest('hex')}, expected ${bundle.sha256}`) });
    expect((refused as Error).message).toMatch(/^installing agent-host into .* failed: the upload arrived corrupted: \d+ bytes with sha256 /);
    expect(existsSync(layout.installDir)).toBe(false);
    expect(readdirSync(dirname(layout.installDir))).toEqual([]);
  });

  it("checks the VM's CPU architecture against the tarball's before uploading, and picks the VM's among several", async () => {
    const { world } = vm;
    const native = await pack(world);
    const foreignArch = process.arch === 'arm64' ? 'x64' : 'arm64';
    const foreign = await repackAs(native, foreignArch, world);
    const layout = remoteLayout(world.hostDir('vm'), '0.1.0', process.execPath);
    const machine = (await execFileAsync('uname', ['-m'])).stdout.trim();

    const refused = await ensureAgentHost(await connect(), bundleWith({ tarballs: [foreign] }), layout).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: 'agent-host-unavailable',
      message: expect.stringContaining(`the VM's CPU is ${machine} (${process.arch}) but ${foreign.split('/').pop()} holds native addons built for ${foreignArch}`),
    });
    expect(existsSync(dirname(layout.installDir))).toBe(false);

    const chosen = await ensureAgentHost(await connect(), bundleWith({ tarballs: [foreign, native].sort() }), layout);
    expect(chosen.installed).toBe(true);
    expect(JSON.parse(readFileSync(join(layout.installDir, 'package.json'), 'utf8'))).toMatchObject({ flightdeck: { arch: process.arch } });
  });

  it("runs agent-host with the host's own node, which wins over FLIGHTDECK_REMOTE_NODE", async () => {
    const { world } = vm;
    // A node that is on no PATH, as on a VM with Node in /opt.
    const node = join(world.dir, 'opt', 'node20', 'bin', 'node');
    mkdirSync(dirname(node), { recursive: true });
    symlinkSync(process.execPath, node);
    const hostDir = world.hostDir('vm');
    const env = { FLIGHTDECK_REMOTE_NODE: '/opt/no-node-here/bin/node' };

    const added = await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', hostDir, '--node', node], { env });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const listed = await world.cli(['host', 'list', '--json'], { env });
    expect(JSON.parse(listed.stdout).hosts).toEqual([expect.objectContaining({ name: 'vm', node, state: 'connected' })]);

    const other = world.hostDir('other');
    const without = await world.cli(['host', 'add', 'other', '--ssh', 'vm', '--host-dir', other], { env });
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('no "/opt/no-node-here/bin/node" on the VM\'s PATH');
  });
});
