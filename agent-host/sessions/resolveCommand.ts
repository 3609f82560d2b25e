import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { WireError, WireErrorCode } from '../../common/wire/errors';

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The working directory, or CwdNotFound naming it. */
export function resolveCwd(cwd: string): string {
  const absolute = resolve(cwd);
  let isDirectory = false;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) {
    throw new WireError(WireErrorCode.CwdNotFound, `working directory not found: ${absolute}`, { cwd: absolute });
  }
  return absolute;
}

/**
 * The executable a command names, looked up on PATH like a shell would; CommandNotFound naming it otherwise.
 * Resolved before spawning so the error is clear instead of a PTY that prints "exec failed" and exits.
 */
export function resolveCommand(command: string, cwd: string, path: string | undefined): string {
  if (command.includes('/')) {
    const candidate = isAbsolute(command) ? command : resolve(cwd, command);
    if (isExecutableFile(candidate)) return candidate;
  } else {
    const found = findOnPath(command, cwd, path);
    if (found) return found;
  }
  throw new WireError(WireErrorCode.CommandNotFound, `command not found: ${command}`, { command, path: path ?? '' });
}

/**
 * The executable `name` on PATH, like a shell finds it; null when absent. Relative PATH entries are taken from `cwd`,
 * or skipped when `cwd` is null (where the directory is not to be trusted: an agent's worktree).
 */
export function findOnPath(name: string, cwd: string | null, path: string | undefined): string | null {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir || (cwd === null && !isAbsolute(dir))) continue;
    const candidate = join(cwd === null ? dir : resolve(cwd, dir), name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}
