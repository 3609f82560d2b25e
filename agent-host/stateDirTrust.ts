import { lstatSync, mkdirSync, readlinkSync, type Stats } from 'node:fs';
import { statePaths } from './config';

/**
 * The state dir holds the daemon's socket (whoever controls it speaks for the user), the journal and the audit.
 * A state dir or state file that is a symbolic link, or owned by another user, or a state dir others may write
 * in, could make the daemon or the bridge open, write or connect to something another user chose.
 */
export class UntrustedStateDirError extends Error {
  override readonly name = 'UntrustedStateDirError';
}

/** Every path the host opens in its state dir, including SQLite's companions. */
function stateFiles(stateDir: string): string[] {
  const paths = statePaths(stateDir);
  return [...Object.values(paths), `${paths.database}-wal`, `${paths.database}-shm`, `${paths.lock}-journal`];
}

function lstatIfPresent(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function problemWith(path: string, stats: Stats, uid: number): string | undefined {
  if (stats.isSymbolicLink()) return `${path} is a symbolic link (to ${readlinkSync(path)})`;
  if (stats.uid !== uid) return `${path} is owned by uid ${stats.uid}, not by this user (uid ${uid})`;
  return undefined;
}

/**
 * Refuses (throws UntrustedStateDirError naming the problem) a state dir that is a symbolic link, not a
 * directory, owned by another user or writable by group or others, or that holds a state file which is a
 * symbolic link or owned by another user. Looks with lstat only: nothing is followed, opened or created.
 * A state dir that does not exist yet passes: it is created 0700 by this user (prepareStateDir).
 */
export function assertTrustedStateDir(stateDir: string): void {
  const uid = process.getuid?.();
  if (uid === undefined) throw refuse(stateDir, 'this platform has no user ids to check ownership with');
  const dir = lstatIfPresent(stateDir);
  if (!dir) return;
  const problem = problemWith(stateDir, dir, uid);
  if (problem) throw refuse(stateDir, problem);
  if (!dir.isDirectory()) throw refuse(stateDir, `${stateDir} is not a directory`);
  if ((dir.mode & 0o022) !== 0) {
    const who = [dir.mode & 0o020 ? 'group' : '', dir.mode & 0o002 ? 'others' : ''].filter(Boolean).join(' and ');
    throw refuse(stateDir, `${stateDir} is writable by ${who} (mode ${(dir.mode & 0o777).toString(8)}); chmod 700 it`);
  }
  for (const path of stateFiles(stateDir)) {
    const stats = lstatIfPresent(path);
    const fileProblem = stats && problemWith(path, stats, uid);
    if (fileProblem) throw refuse(stateDir, fileProblem);
  }
}

/** Checks the state dir, creates it (0700) when missing, and checks what is there now before anything is opened. */
export function prepareStateDir(stateDir: string): void {
  assertTrustedStateDir(stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  assertTrustedStateDir(stateDir);
}

function refuse(stateDir: string, problem: string): UntrustedStateDirError {
  return new UntrustedStateDirError(`refusing to use the state dir ${stateDir}: ${problem}`);
}
