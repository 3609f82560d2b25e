import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';

export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
}

/**
 * An exclusive lock on the state dir that the kernel drops when the process dies, however it dies:
 * SQLite's exclusive locking mode holds a POSIX lock on the lock file for as long as the handle lives.
 * A second daemon fails to take it at once instead of racing the first for the socket.
 */
export class DaemonLock {
  private constructor(private readonly handle: Database.Database) {}

  static acquire(lockPath: string, pidPath: string): DaemonLock {
    const handle = new Database(lockPath, { timeout: 0 });
    try {
      handle.pragma('locking_mode = EXCLUSIVE');
      handle.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER)');
      handle.exec('BEGIN EXCLUSIVE');
      handle.prepare('DELETE FROM holder').run();
      handle.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
      handle.exec('COMMIT');
    } catch (error) {
      handle.close();
      if (error instanceof Error && /locked|busy/i.test(error.message)) {
        throw new AlreadyRunningError(`another agent-host daemon holds ${lockPath}`);
      }
      throw error;
    }
    // Informational only; the lock above is what excludes.
    writeFileSync(pidPath, `${process.pid}\n`, { mode: 0o600 });
    return new DaemonLock(handle);
  }

  release(): void {
    this.handle.close();
  }
}
