import { watch, type FSWatcher } from 'node:fs';
import { TranscriptUsageReader, type TranscriptUsage } from './transcriptUsage';

/**
 * Past this many files an agent's transcripts are read when a hook names them but not watched: each watch is an
 * inotify watch of the daemon's user, and the paths come from the agent.
 */
const MAX_WATCHED_FILES = 64;

interface Followed {
  reader: TranscriptUsageReader;
  watcher: FSWatcher | undefined;
  /** The read in flight (and any queued after it); resolves once the file's latest totals were reported. */
  reading: Promise<void> | undefined;
  /** A write arrived during the read in flight: read once more after it. */
  again: boolean;
}

/**
 * Keeps an agent's usage current from the transcripts its hooks name. A CLI may append a turn's last reply after its
 * last hook of the turn (Claude Code writes it after the Stop hook answered), so each file is read again on every
 * later write, not only when a hook fires, and once more when the agent's process ended.
 */
export class TranscriptFollower {
  private readonly files = new Map<string, Followed>();
  private closed = false;

  constructor(
    private readonly report: (file: string, totals: TranscriptUsage) => void,
    private readonly fail: (file: string, error: unknown) => void,
  ) {}

  /** Reads `file` now and whenever it is written from now on. The caller checked that the agent may name it. */
  follow(file: string): void {
    if (this.closed) return;
    let followed = this.files.get(file);
    if (!followed) this.files.set(file, (followed = { reader: new TranscriptUsageReader(file), watcher: undefined, reading: undefined, again: false }));
    // Watched before the read, so a write between the two is not missed.
    if (!followed.watcher && this.watchedCount() < MAX_WATCHED_FILES) followed.watcher = this.watch(file);
    this.read(file, followed);
  }

  /** The process ended: one last read of every file, then nothing is watched. Resolves once those were reported. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const followed of this.files.values()) followed.watcher?.close();
    await Promise.all([...this.files].map(([file, followed]) => this.read(file, followed)));
  }

  private watchedCount(): number {
    let count = 0;
    for (const followed of this.files.values()) if (followed.watcher) count++;
    return count;
  }

  private watch(file: string): FSWatcher | undefined {
    try {
      // Not persistent: a watched transcript must not keep the daemon alive.
      const watcher = watch(file, { persistent: false }, (event) => (event === 'rename' ? this.replaced(file) : this.written(file)));
      watcher.on('error', (error) => this.unwatch(file, error));
      return watcher;
    } catch {
      // Not there yet, or not watchable: the read that follows says why, and the next hook tries again.
      return undefined;
    }
  }

  private unwatch(file: string, error?: unknown): void {
    const followed = this.files.get(file);
    followed?.watcher?.close();
    if (followed) followed.watcher = undefined;
    if (error !== undefined) this.fail(file, error);
  }

  /** The path now names another file (or none): that file is counted from its start, and watched instead. */
  private replaced(file: string): void {
    const followed = this.files.get(file);
    if (!followed || this.closed) return;
    this.unwatch(file);
    followed.reader = new TranscriptUsageReader(file);
    this.follow(file);
  }

  private written(file: string): void {
    const followed = this.files.get(file);
    if (followed && !this.closed) this.read(file, followed);
  }

  /** One read per file at a time; writes during a read make one more read after it, however many they were. */
  private read(file: string, followed: Followed): Promise<void> {
    if (followed.reading) {
      followed.again = true;
      return followed.reading;
    }
    followed.reading = this.readUntilCurrent(file, followed);
    return followed.reading;
  }

  private async readUntilCurrent(file: string, followed: Followed): Promise<void> {
    try {
      do {
        followed.again = false;
        try {
          this.report(file, await followed.reader.read());
        } catch (error) {
          // A file the agent named that is not a regular file (or is gone) is not watched either.
          this.unwatch(file);
          this.fail(file, error);
        }
      } while (followed.again);
    } finally {
      // Here, not in a .finally() of the promise: a write noticed between the loop's end and a later microtask
      // would set `again` for a read that already ended, and be lost.
      followed.reading = undefined;
    }
  }
}
