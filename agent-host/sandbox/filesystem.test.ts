import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxReady } from './probe';
import { sandboxCommand } from './sandbox';
import { connectScript, CountingServer, requireSandbox, shIn, specFor, tempDir } from './testing/sandboxed';

describe('sandbox: what an agent can see and write (real bwrap)', () => {
  let probe: SandboxReady;
  let root: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    probe = await requireSandbox();
    root = tempDir('fd-sbx-fs-');
  });
  afterAll(() => root?.remove());

  function dir(...parts: string[]): string {
    const path = join(root.path, ...parts);
    mkdirSync(path, { recursive: true });
    return path;
  }

  it('writes inside the writable dirs and fails with EROFS everywhere else', async () => {
    const worktree = dir('w1', 'worktree');
    const home = dir('w1', 'home');
    const marker = `fd-sbx-${process.pid}-${Date.now()}`;
    const ran = await shIn(
      probe,
      `echo ok > wt-file && echo ok > '${home}/home-file' && echo ok;
       echo no > '${join(root.path, 'w1', 'outside')}'; echo "outside=$?";
       touch '/etc/${marker}'; echo "etc=$?"`,
      { writable: [worktree, home], cwd: worktree },
    );
    expect(ran.stdout).toContain('ok\n');
    expect(ran.stdout).toMatch(/outside=[1-9]/);
    expect(ran.stdout).toMatch(/etc=[1-9]/);
    expect(ran.stderr.match(/Read-only file system/g)).toHaveLength(2);
    expect(readFileSync(join(worktree, 'wt-file'), 'utf8')).toBe('ok\n');
    expect(readFileSync(join(home, 'home-file'), 'utf8')).toBe('ok\n');
    expect(existsSync(join(root.path, 'w1', 'outside'))).toBe(false);
    expect(existsSync(`/etc/${marker}`)).toBe(false);
  });

  it('hides the state dir: empty inside, its agent.env gone, its control socket unreachable (ENOENT, zero connections)', async () => {
    const state = dir('s1', 'state');
    writeFileSync(join(state, 'agent.env'), 'ANTHROPIC_API_KEY=sk-secret\n');
    const control = await CountingServer.listen({ path: join(state, 'agent-host.sock') });
    try {
      const ran = await shIn(
        probe,
        `echo "[$(ls -A '${state}' | tr '\\n' ' ')]"; cat '${state}/agent.env'; echo "cat=$?";
         touch '${state}/planted'; echo "touch=$?"; ${connectScript(join(state, 'agent-host.sock'))}`,
        { hidden: [state] },
      );
      expect(ran.stdout).toContain('[]\n');
      expect(ran.stdout).toMatch(/cat=[1-9]/);
      expect(ran.stdout).toMatch(/touch=[1-9]/);
      expect(ran.stdout).toContain('ENOENT');
      expect(ran.stdout).not.toContain('sk-secret');
      expect(await control.settledCount()).toBe(0);
      expect(existsSync(join(state, 'planted'))).toBe(false);

      // The same socket, not hidden: read-only does not stop connect(), so every socket dir must be hidden.
      const exposed = await shIn(probe, connectScript(join(state, 'agent-host.sock')));
      expect(exposed.stdout).toContain('CONNECTED');
      expect(await control.settledCount()).toBe(1);
    } finally {
      await control.close();
    }
  });

  it('makes a hidden file read empty and a hidden socket file unconnectable; missing hidden paths are skipped', async () => {
    const ssh = dir('h1', '.ssh');
    writeFileSync(join(ssh, 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
    const docker = await CountingServer.listen({ path: join(dir('h1', 'run'), 'docker.sock') });
    try {
      const ran = await shIn(
        probe,
        `echo "bytes=$(wc -c < '${ssh}/id_ed25519')"; ${connectScript(join(root.path, 'h1', 'run', 'docker.sock'))}`,
        { hidden: [join(ssh, 'id_ed25519'), join(root.path, 'h1', 'run', 'docker.sock'), join(root.path, 'h1', 'missing')] },
      );
      expect(ran.stdout).toContain('bytes=0\n');
      expect(ran.stdout).toContain('ECONNREFUSED');
      expect(await docker.settledCount()).toBe(0);
    } finally {
      await docker.close();
    }
  });

  it("re-exposes the agent's own endpoint socket and worktree inside the hidden state dir", async () => {
    const state = dir('s2', 'state');
    const worktree = dir('s2', 'state', 'worktrees', 'a1');
    const readOnlyConfig = join(dir('s2', 'state', 'agents', 'a1'), 'settings.json');
    writeFileSync(readOnlyConfig, '{"hooks":true}\n');
    const control = await CountingServer.listen({ path: join(state, 'agent-host.sock') });
    const endpoint = await CountingServer.listen({ path: join(state, 'agents', 'a1', 'endpoint.sock') });
    try {
      const ran = await shIn(
        probe,
        `${connectScript(endpoint.address)}; ${connectScript(control.address)}; echo made > made && pwd;
         cat '${readOnlyConfig}'; echo x >> '${readOnlyConfig}'; echo "config-write=$?"; echo "[$(ls -A '${state}' | tr '\\n' ' ')]"`,
        { hidden: [state], writable: [worktree], readOnly: [readOnlyConfig], sockets: [endpoint.address as string], cwd: worktree },
      );
      expect(ran.stdout).toMatch(/^CONNECTED\nENOENT\n/);
      expect(ran.stdout).toContain(`${worktree}\n{"hooks":true}\n`);
      expect(ran.stdout).toMatch(/config-write=[1-9]/);
      expect(ran.stdout).toContain('[agents worktrees ]');
      expect(readFileSync(join(worktree, 'made'), 'utf8')).toBe('made\n');
      expect(await endpoint.settledCount()).toBe(1);
      expect(await control.settledCount()).toBe(0);
    } finally {
      await Promise.all([control.close(), endpoint.close()]);
    }
  });

  it('gives a private, empty /tmp while a writable dir under /tmp is still bound', async () => {
    const underTmp = realTmpDir();
    const hostOnly = join('/tmp', `fd-sbx-host-only-${process.pid}`);
    // A name of this run: whatever else lives in the host's /tmp must not decide the outcome.
    const scratch = join('/tmp', `fd-sbx-scratch-${process.pid}`);
    writeFileSync(hostOnly, 'host\n');
    try {
      const ran = await shIn(probe, `echo "[$(ls -A /tmp | tr '\\n' ' ')]"; echo inside > '${underTmp}/from-sandbox' && echo wrote; echo t > ${scratch} && echo scratch`, {
        privateTmp: true,
        writable: [underTmp],
      });
      expect(ran.stdout).toContain(`[${basename(underTmp)} ]\n`);
      expect(ran.stdout).toContain('wrote\nscratch\n');
      expect(readFileSync(join(underTmp, 'from-sandbox'), 'utf8')).toBe('inside\n');
      expect(existsSync(scratch)).toBe(false);
    } finally {
      rmSync(hostOnly, { force: true });
      rmSync(underTmp, { recursive: true, force: true });
    }
  });

  it('binds a symlinked writable path at its real path, so the link cannot redirect it later', async () => {
    const real = dir('l1', 'real-worktree');
    const link = join(root.path, 'l1', 'link');
    symlinkSync(real, link);
    const { args } = sandboxCommand(specFor(probe, 'true', [], { writable: [link] }));
    expect(args.join(' ')).toContain(`--bind ${real} ${real}`);
    expect(args).not.toContain(link);
    const ran = await shIn(probe, `echo via-link > '${link}/f' && echo ok`, { writable: [link] });
    expect(ran.stdout).toBe('ok\n');
    expect(readFileSync(join(real, 'f'), 'utf8')).toBe('via-link\n');
  });

  it('drops every capability, sets no_new_privs and forbids nested user namespaces', async () => {
    const ran = await shIn(probe, `grep -E '^(CapEff|NoNewPrivs):' /proc/self/status; mount -o remount,rw / 2>/dev/null; echo "remount=$?"; unshare -U true 2>/dev/null; echo "unshare=$?"`);
    expect(ran.stdout).toMatch(/CapEff:\s+0000000000000000\n/);
    expect(ran.stdout).toMatch(/NoNewPrivs:\s+1\n/);
    expect(ran.stdout).toMatch(/remount=[1-9]/);
    expect(ran.stdout).toMatch(/unshare=[1-9]/);
  });

  it('has a PID namespace of its own: host processes are invisible and unsignalable', async () => {
    const ran = await shIn(probe, `kill -0 ${process.pid} 2>/dev/null; echo "kill=$?"; echo "pids=$(ls /proc | grep -c '^[0-9]')"`);
    expect(ran.stdout).toMatch(/kill=[1-9]/);
    const pids = Number(/pids=(\d+)/.exec(ran.stdout)?.[1]);
    expect(pids).toBeGreaterThan(0);
    expect(pids).toBeLessThanOrEqual(5);
  });
});

/** A directory directly under /tmp (whatever TMPDIR says), for the private-/tmp case. */
function realTmpDir(): string {
  return mkdtempSync('/tmp/fd-sbx-under-tmp-');
}
