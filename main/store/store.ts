import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HostConfig } from '../../common/app/hosts';

/** Each entry moves the schema one version forward; user_version records how far a file has come. */
const MIGRATIONS: string[] = [
  `CREATE TABLE hosts (
     name TEXT PRIMARY KEY,
     config TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE host_key_pins (
     endpoint TEXT NOT NULL,
     key_type TEXT NOT NULL,
     key_b64 TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     pinned_at INTEGER NOT NULL,
     PRIMARY KEY (endpoint, key_type)
   );`,
  // The newest audit record seen of each host: a host whose chain no longer holds it was cut or rewritten.
  `CREATE TABLE audit_anchors (
     host TEXT PRIMARY KEY,
     host_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     hash TEXT NOT NULL,
     seen_at INTEGER NOT NULL,
     alarm TEXT
   );`,
];

/** The head of a host's audit chain as last seen, and the alarm raised when the host no longer held it. */
export interface AuditAnchor {
  hostId: string;
  seq: number;
  hash: string;
  seenAt: number;
  /** Sticky until the human accepts the host's chain again (`flightdeck audit verify HOST --accept`). */
  alarm: string | null;
}

export interface HostKeyPin {
  endpoint: string;
  keyType: string;
  key: Buffer;
  fingerprint: string;
  pinnedAt: number;
}

/** The app's own SQLite file: configured hosts and host-key pins. WAL + synchronous=FULL: a kill -9 loses nothing committed. */
export class Store {
  private constructor(private readonly db: Database.Database) {}

  static open(home: string): Store {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const db = new Database(join(home, 'flightdeck.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const store = new Store(db);
    store.migrate();
    return store;
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`the Flightdeck database is from a newer version (schema ${version}); upgrade Flightdeck`);
    }
    for (let next = version; next < MIGRATIONS.length; next++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[next]!);
        this.db.pragma(`user_version = ${next + 1}`);
      })();
    }
  }

  listHosts(): HostConfig[] {
    const rows = this.db.prepare('SELECT name, config FROM hosts ORDER BY created_at, name').all() as { name: string; config: string }[];
    const hosts: HostConfig[] = [];
    for (const row of rows) {
      const parsed = HostConfig.safeParse(JSON.parse(row.config));
      // A row this version cannot read is skipped, never deleted: a newer version may understand it.
      if (parsed.success) hosts.push(parsed.data);
    }
    return hosts;
  }

  getHost(name: string): HostConfig | undefined {
    return this.listHosts().find((host) => host.name === name);
  }

  addHost(host: HostConfig): void {
    this.db.prepare('INSERT INTO hosts (name, config, created_at) VALUES (?, ?, ?)').run(host.name, JSON.stringify(host), Date.now());
  }

  updateHost(host: HostConfig): void {
    this.db.prepare('UPDATE hosts SET config = ? WHERE name = ?').run(JSON.stringify(host), host.name);
  }

  removeHost(name: string): boolean {
    return this.db.prepare('DELETE FROM hosts WHERE name = ?').run(name).changes > 0;
  }

  pinsFor(endpoint: string): HostKeyPin[] {
    const rows = this.db
      .prepare('SELECT endpoint, key_type, key_b64, fingerprint, pinned_at FROM host_key_pins WHERE endpoint = ?')
      .all(endpoint) as { endpoint: string; key_type: string; key_b64: string; fingerprint: string; pinned_at: number }[];
    return rows.map((row) => ({
      endpoint: row.endpoint,
      keyType: row.key_type,
      key: Buffer.from(row.key_b64, 'base64'),
      fingerprint: row.fingerprint,
      pinnedAt: row.pinned_at,
    }));
  }

  /** Replaces the pin for this endpoint and key type: only called after the human explicitly trusted the key. */
  pin(endpoint: string, keyType: string, key: Uint8Array, fingerprint: string): void {
    this.db
      .prepare(
        `INSERT INTO host_key_pins (endpoint, key_type, key_b64, fingerprint, pinned_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (endpoint, key_type) DO UPDATE SET key_b64 = excluded.key_b64, fingerprint = excluded.fingerprint, pinned_at = excluded.pinned_at`,
      )
      .run(endpoint, keyType, Buffer.from(key).toString('base64'), fingerprint, Date.now());
  }

  auditAnchor(host: string): AuditAnchor | undefined {
    const row = this.db.prepare('SELECT host_id, seq, hash, seen_at, alarm FROM audit_anchors WHERE host = ?').get(host) as
      | { host_id: string; seq: number; hash: string; seen_at: number; alarm: string | null }
      | undefined;
    return row && { hostId: row.host_id, seq: row.seq, hash: row.hash, seenAt: row.seen_at, alarm: row.alarm };
  }

  /** Records a newer head (clearing any alarm: only called once the chain was found to hold the previous one, or accepted). */
  saveAuditAnchor(host: string, hostId: string, head: { seq: number; hash: string }): void {
    this.db
      .prepare(
        `INSERT INTO audit_anchors (host, host_id, seq, hash, seen_at, alarm) VALUES (?, ?, ?, ?, ?, NULL)
         ON CONFLICT (host) DO UPDATE SET host_id = excluded.host_id, seq = excluded.seq, hash = excluded.hash,
           seen_at = excluded.seen_at, alarm = NULL`,
      )
      .run(host, hostId, head.seq, head.hash, Date.now());
  }

  /** Keeps the anchor as evidence and marks the host. */
  raiseAuditAlarm(host: string, alarm: string): void {
    this.db.prepare('UPDATE audit_anchors SET alarm = ? WHERE host = ?').run(alarm, host);
  }

  forgetAuditAnchor(host: string): void {
    this.db.prepare('DELETE FROM audit_anchors WHERE host = ?').run(host);
  }

  close(): void {
    this.db.close();
  }
}
