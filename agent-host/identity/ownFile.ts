import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { errorMessage } from '../../common/wire/errors';

/** A file that decides who is who (identities, authorized_keys) was refused, or holds something wrong. */
export class IdentityFileError extends Error {
  override readonly name = 'IdentityFileError';
}

export interface OwnFile {
  text: string;
  /** Permission bits, kept when the file is replaced. */
  mode: number;
}

/**
 * Reads a file only this user may change, or undefined when there is none. Whoever can write the identities file or
 * authorized_keys decides who is who, so (like sshd's StrictModes) a symbolic link, another user's file or one that
 * group or others may write is refused. Opened with O_NOFOLLOW and checked on the open descriptor: nothing can be
 * swapped in between the check and the read.
 */
export function readOwnFile(path: string): OwnFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw refuse(path, 'it is a symbolic link; make it a regular file');
    throw refuse(path, `it cannot be read (${errorMessage(error)})`);
  }
  try {
    const stats = fstatSync(fd);
    const uid = process.getuid?.();
    if (!stats.isFile()) throw refuse(path, 'it is not a regular file');
    if (uid === undefined) throw refuse(path, 'this platform has no user ids to check its owner with');
    if (stats.uid !== uid) throw refuse(path, `it is owned by uid ${stats.uid}, not by this user (uid ${uid})`);
    if ((stats.mode & 0o022) !== 0) {
      throw refuse(path, `group or others may write it (mode ${(stats.mode & 0o777).toString(8)}); chmod go-w it`);
    }
    return { text: readFileSync(fd, 'utf8'), mode: stats.mode & 0o777 };
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `text` by one rename, so sshd and the daemon read either the old file or the new one, never
 * half of one. The temporary file is created beside it (same file system), exclusively, with exactly `mode`.
 */
export function replaceOwnFile(path: string, text: string, mode: number): void {
  const temp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      // fchmod: the mode given to open is cut by the umask.
      fchmodSync(fd, mode);
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw refuse(path, `it could not be written (${errorMessage(error)})`);
  }
}

function refuse(path: string, problem: string): IdentityFileError {
  return new IdentityFileError(`refusing ${path}: ${problem}`);
}
