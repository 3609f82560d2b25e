import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeExitCode } from '../../../common/protocol/bridgeExit';
import { AGENT_HOST_BUNDLE } from './client';
import { runCli, StateDirs } from './fixture';

const dirs = new StateDirs();
afterEach(() => dirs.cleanup());

const NOBODY = 65534;

/** The bridge as an SSH exec channel runs it, with nothing on stdin: it either refuses, or starts a daemon and ends. */
function bridge(stateDir: string) {
  const result = spawnSync(process.execPath, [AGENT_HOST_BUNDLE, 'bridge', '--state-dir', stateDir], { encoding: 'utf8', input: '', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function serve(stateDir: string) {
  return runCli(['serve', '--state-dir', stateDir]);
}

describe('agent-host refuses an untrusted state dir before opening anything in it', () => {
  it('a state dir that is a symbolic link: bridge, serve, status and audit verify all refuse, naming it', async () => {
    const real = await dirs.make();
    const link = join(await dirs.make(), 'state');
    symlinkSync(real, link);
    for (const run of [bridge, serve, (dir: string) => runCli(['status', '--state-dir', dir]), (dir: string) => runCli(['audit', 'verify', '--state-dir', dir])]) {
      const result = run(link);
      // The bridge's own code tells the app not to retry until the human acts.
      expect(result.code).toBe(run === bridge ? BridgeExitCode.StateDirRefused : 1);
      expect(result.stderr).toContain(`refusing to use the state dir ${link}: ${link} is a symbolic link (to ${real})`);
    }
    // Nothing was created behind the link: no log, no database, no lock, no socket.
    expect(readdirSync(real)).toEqual([]);
  });

  it('a state dir owned by another user', async () => {
    const stateDir = join(await dirs.make(), 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    chownSync(stateDir, NOBODY, NOBODY);
    const result = bridge(stateDir);
    expect(result.code).toBe(BridgeExitCode.StateDirRefused);
    expect(result.stderr).toContain(`${stateDir} is owned by uid ${NOBODY}, not by this user (uid ${process.getuid!()})`);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('a state dir that group or others may write in', async () => {
    const stateDir = await dirs.make();
    chmodSync(stateDir, 0o770);
    const result = serve(stateDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${stateDir} is writable by group (mode 770); chmod 700 it`);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('a database that is a symbolic link, and a log owned by another user', async () => {
    const elsewhere = join(await dirs.make(), 'victim.db');
    const linked = await dirs.make();
    symlinkSync(elsewhere, join(linked, 'host.db'));
    const viaLink = bridge(linked);
    expect(viaLink.code).toBe(BridgeExitCode.StateDirRefused);
    expect(viaLink.stderr).toContain(`${join(linked, 'host.db')} is a symbolic link (to ${elsewhere})`);
    expect(existsSync(elsewhere)).toBe(false);

    const foreignLog = await dirs.make();
    writeFileSync(join(foreignLog, 'daemon.log'), '');
    chownSync(join(foreignLog, 'daemon.log'), NOBODY, NOBODY);
    const result = bridge(foreignLog);
    expect(result.code).toBe(BridgeExitCode.StateDirRefused);
    expect(result.stderr).toContain(`${join(foreignLog, 'daemon.log')} is owned by uid ${NOBODY}`);
    expect(readdirSync(foreignLog)).toEqual(['daemon.log']);
  });
});
