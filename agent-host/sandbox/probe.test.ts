import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeBwrap, probeSandbox, type SandboxReady } from './probe';
import { requireSandbox, tempDir } from './testing/sandboxed';

describe('probeSandbox', () => {
  let probe: SandboxReady;
  let root: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    probe = await requireSandbox();
    root = tempDir('fd-sbx-probe-');
  });
  afterAll(() => root?.remove());

  /** A real bwrap run inside an outer sandbox that sets up the situation to probe. */
  function wrappedBwrap(name: string, outerFlags: string): string {
    const path = join(root.path, name);
    writeFileSync(path, `#!/bin/sh\nexec '${probe.bwrap}' --ro-bind / / --dev /dev --proc /proc ${outerFlags} -- '${probe.bwrap}' "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('finds bwrap, reads its version and runs a confined command with the flags agents get; once per process', async () => {
    expect(probe.bwrap).toMatch(/^\/.*\/bwrap$/);
    expect(probe.version).toMatch(/^\d+\.\d+/);
    expect(typeof probe.userns).toBe('boolean');
    expect(await probeSandbox()).toBe(probe);
  });

  it('says to install bubblewrap when there is no bwrap', async () => {
    const missing = await probeBwrap({ bwrap: join(root.path, 'no-such', 'bwrap') });
    expect(missing).toEqual({ available: false, reason: expect.stringContaining('install the bubblewrap package') });
  });

  it('names the sysctls and quotes bwrap when user namespaces are not available to the user', async () => {
    // A non-root user (uid 1000) in a namespace that may create no more user namespaces: what a VM with
    // user.max_user_namespaces=0 looks like to an unprivileged bwrap.
    const bwrap = wrappedBwrap('bwrap-no-userns', '--unshare-user --uid 1000 --gid 1000 --disable-userns --cap-drop ALL');
    const result = await probeBwrap({ bwrap });
    expect(result.available).toBe(false);
    const reason = result.available ? '' : result.reason;
    expect(reason).toContain('user namespaces are not available');
    expect(reason).toContain('kernel.unprivileged_userns_clone');
    expect(reason).toContain('user.max_user_namespaces');
    expect(reason).toMatch(/bwrap said: bwrap: .*namespace/);
  });

  it('says perl is missing when the foreground launcher cannot run', async () => {
    const bwrap = wrappedBwrap('bwrap-no-perl', '--dev-bind /dev /dev --ro-bind /dev/null /usr/bin/perl');
    const result = await probeBwrap({ bwrap });
    expect(result).toEqual({ available: false, reason: expect.stringContaining('/usr/bin/perl is missing inside the sandbox (Debian package perl-base)') });
  });
});
