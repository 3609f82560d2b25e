// The air-gapped tarball must run on its own: bundle + bin wrapper + native addons, away from this checkout.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');

// Stands in for agent-host/main.ts: loads the native addons and a bundled CommonJS dependency.
const PROBE_ENTRY = `
import { constants, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import * as pty from 'node-pty';
import { Termios } from 'node-termios';
import koffi from 'koffi';
import headless from '@xterm/headless';
const row = new Database(':memory:').prepare('select 41 + 1 as answer').get() as { answer: number };
const terminal = new headless.Terminal({ cols: 90, rows: 20, allowProposedApi: true });
const child = pty.spawn('/bin/echo', ['from-a-pty'], {});
let output = '';
const lflag = new Termios(openSync('/dev/ptmx', constants.O_RDWR | constants.O_NOCTTY)).c_lflag;
const pid = (koffi.load('libc.so.6').func('int getpid()') as () => number)();
child.onData((data) => (output += data));
child.onExit(() => console.log(JSON.stringify({ answer: row.answer, output: output.trim(), cols: terminal.cols, termios: typeof lflag, ffiPid: pid === process.pid, argv: process.argv.slice(2) })));
`;

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('scripts/pack-agent-host.mjs', () => {
  it('packs a tarball that runs with its own native addons outside the checkout', async () => {
    // The entry must sit inside the checkout so esbuild resolves node_modules; out/ is ignored by git and lint.
    const probeDir = join(ROOT, 'out', `test-probe-${randomBytes(6).toString('hex')}`);
    const outDir = await mkdtemp(join(tmpdir(), 'flightdeck-pack-out-'));
    const installDir = await mkdtemp(join(tmpdir(), 'flightdeck-pack-install-'));
    cleanup.push(probeDir, outDir, installDir);
    await mkdir(probeDir, { recursive: true });
    await writeFile(join(probeDir, 'main.ts'), PROBE_ENTRY);

    await execFileAsync('node', ['scripts/pack-agent-host.mjs', '--entry', join(probeDir, 'main.ts'), '--out-dir', outDir], { cwd: ROOT });
    const [tarball] = await readdir(outDir);
    expect(tarball).toMatch(new RegExp(`^agent-host-\\d+\\.\\d+\\.\\d+-linux-${process.arch}\\.tar\\.gz$`));

    await execFileAsync('tar', ['-xzf', join(outDir, tarball!), '-C', installDir]);
    const [unpacked] = await readdir(installDir);
    expect((await readdir(join(installDir, unpacked!, 'node_modules'))).sort()).toEqual(expect.arrayContaining(['better-sqlite3', 'koffi', 'node-pty', 'node-termios']));
    // The built-in runbooks ride beside the bundle (agent-host/runbooks/builtInDir.ts), every one of them.
    const shipped = (await readdir(join(ROOT, 'runbooks'))).filter((name) => name.endsWith('.md')).sort();
    expect(shipped.length).toBeGreaterThan(0);
    expect((await readdir(join(installDir, unpacked!, 'runbooks'))).sort()).toEqual(shipped);

    const { stdout } = await execFileAsync(join(installDir, unpacked!, 'bin', 'agent-host'), ['serve', '--probe'], { cwd: installDir });
    expect(JSON.parse(stdout)).toEqual({ answer: 42, output: 'from-a-pty', cols: 90, termios: 'number', ffiPid: true, argv: ['serve', '--probe'] });
  });

  it('refuses to build without an entry, naming the missing file', async () => {
    const missing = join(tmpdir(), `no-such-entry-${randomBytes(4).toString('hex')}.ts`);
    const failure = await execFileAsync('node', ['scripts/build-agent-host.mjs', '--entry', missing], { cwd: ROOT }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain(`${missing} does not exist`);
  });
});
