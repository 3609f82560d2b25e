import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { isExecutableFile } from '../sessions/resolveCommand';

/** A directory of the agent's own (its CLI's config, home, temp): created 0700. */
export function privateDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}

/** A generated config file, 0600: it may name the endpoint and the agent's settings. */
export function writePrivateFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
}

/** A file inside an installed npm package (resolved as this module would import it); null when not installed. */
export function inPackage(packageName: string, file: string): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
    const candidate = join(dirname(manifest), file);
    return isExecutableFile(candidate) ? candidate : null;
  } catch {
    return null;
  }
}

/** The first program found, or CommandNotFound saying where it was looked for. */
export function firstFound(what: string, candidates: Array<() => string | null>, lookedIn: string): string {
  for (const candidate of candidates) {
    const found = candidate();
    if (found) return found;
  }
  throw new WireError(WireErrorCode.CommandNotFound, `${what} not found (looked in ${lookedIn}); name it in the profile's command`, {
    command: what,
  });
}
