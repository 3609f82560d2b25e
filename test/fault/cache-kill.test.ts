import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../main/store/store';

const WRITER = join(import.meta.dirname, 'fixtures', 'store-writer.ts');
const KILL_AFTER_COMMITS = 300;

describe('fault: the client core is killed with SIGKILL while writing its SQLite cache', () => {
  let dir: string | undefined;

  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('leaves a database that passes integrity_check and holds every committed host, whole', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flightdeck-fault-cache-'));
    const home = join(dir, 'home');
    const writer = spawn(process.execPath, ['--import', 'tsx', WRITER, home], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    writer.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let lastCommitted = -1;
    let buffered = '';
    const exited = once(writer, 'exit');
    await new Promise<void>((resolve, reject) => {
      writer.once('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      writer.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) lastCommitted = Number(line);
        if (lastCommitted >= KILL_AFTER_COMMITS && writer.exitCode === null) {
          // Still writing as fast as it can: the kill lands inside or between transactions.
          writer.kill('SIGKILL');
          resolve();
        }
      });
    });
    const [, signal] = (await exited) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');

    const raw = new Database(join(home, 'flightdeck.db'));
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      raw.close();
    }

    const store = Store.open(home);
    try {
      const hosts = store.listHosts();
      const names = new Set(hosts.map((host) => host.name));
      for (let index = 0; index <= lastCommitted; index++) expect(names.has(`host-${index}`)).toBe(true);
      // At most the one transaction that was in flight may have committed after the last report.
      expect(hosts.length).toBeGreaterThanOrEqual(lastCommitted + 1);
      expect(hosts.length).toBeLessThanOrEqual(lastCommitted + 2);
      for (const host of hosts) {
        const index = Number(host.name.slice('host-'.length));
        expect(host.target).toBe(`agent${index}@vm-${index}.example.internal`);
        expect(host.hostDir).toMatch(new RegExp(`^/srv/flightdeck/rev-[01]/d{${index % 300}}$`));
      }
      // Every host the writer rewrote before its last report carries the rewrite.
      for (let index = 0; index < lastCommitted; index++) {
        expect(hosts.find((host) => host.name === `host-${index}`)?.hostDir?.startsWith('/srv/flightdeck/rev-1/')).toBe(true);
      }
      // And the store still takes writes.
      store.addHost({ name: 'after-restart', kind: 'ssh', target: 'me@vm' });
      expect(store.getHost('after-restart')?.target).toBe('me@vm');
    } finally {
      store.close();
    }
  });
});
