import { dirname, join } from 'node:path';

/** The built-in runbooks ship beside the bundle: scripts/build-agent-host.mjs copies the top-level runbooks/ there. */
export function builtInRunbooksDir(hostEntry: string): string {
  return join(dirname(hostEntry), 'runbooks');
}
