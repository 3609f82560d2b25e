import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from './store';

describe('Store', () => {
  const dirs: string[] = [];
  const fresh = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'flightdeck-store-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('keeps hosts and pins across reopen, in WAL mode at the current schema version', () => {
    const home = fresh();
    const store = Store.open(home);
    store.addHost({ name: 'vm1', kind: 'ssh', target: 'ops@vm1:2222', hostDir: '/srv/fd' });
    store.pin('[vm1]:2222', 'ssh-ed25519', new Uint8Array([1, 2, 3]), 'SHA256:abc');
    store.pin('[vm1]:2222', 'ssh-ed25519', new Uint8Array([4, 5]), 'SHA256:def');
    expect(() => store.addHost({ name: 'vm1', kind: 'ssh', target: 'x' })).toThrow();
    store.close();

    const reopened = Store.open(home);
    expect(reopened.listHosts()).toEqual([{ name: 'vm1', kind: 'ssh', target: 'ops@vm1:2222', hostDir: '/srv/fd' }]);
    const pins = reopened.pinsFor('[vm1]:2222');
    expect(pins).toHaveLength(1);
    expect([...pins[0]!.key]).toEqual([4, 5]);
    expect(pins[0]!.fingerprint).toBe('SHA256:def');
    expect(reopened.removeHost('vm1')).toBe(true);
    expect(reopened.listHosts()).toEqual([]);
    reopened.close();

    const raw = new Database(join(home, 'flightdeck.db'));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    raw.close();
  });

  it('skips a stored host it cannot read instead of deleting it, and refuses a newer schema', () => {
    const home = fresh();
    Store.open(home).close();
    const raw = new Database(join(home, 'flightdeck.db'));
    raw.prepare('INSERT INTO hosts (name, config, created_at) VALUES (?, ?, ?)').run('odd', JSON.stringify({ name: 'odd', kind: 'k8s' }), 1);
    raw.close();
    const store = Store.open(home);
    expect(store.listHosts()).toEqual([]);
    store.close();
    const again = new Database(join(home, 'flightdeck.db'));
    expect(again.prepare('SELECT count(*) AS n FROM hosts').get()).toEqual({ n: 1 });
    again.pragma('user_version = 99');
    again.close();
    expect(() => Store.open(home)).toThrow(/newer version/);
  });

  it('keeps an audit anchor per host, moves it on, raises a sticky alarm and forgets it with the host', () => {
    const home = fresh();
    const store = Store.open(home);
    expect(store.auditAnchor('vm1')).toBeUndefined();
    store.saveAuditAnchor('vm1', 'host-a', { seq: 3, hash: 'a'.repeat(64) });
    store.raiseAuditAlarm('vm1', 'the chain was cut');
    store.close();
    const reopened = Store.open(home);
    expect(reopened.auditAnchor('vm1')).toMatchObject({ hostId: 'host-a', seq: 3, hash: 'a'.repeat(64), alarm: 'the chain was cut' });
    reopened.saveAuditAnchor('vm1', 'host-a', { seq: 9, hash: 'b'.repeat(64) });
    expect(reopened.auditAnchor('vm1')).toMatchObject({ seq: 9, alarm: null });
    reopened.forgetAuditAnchor('vm1');
    expect(reopened.auditAnchor('vm1')).toBeUndefined();
    reopened.close();
  });
});
