import { errorMessage } from '../../common/wire/errors';
import type { CliContext } from './context';

export interface HostFailure {
  host: string;
  error: string;
}

/**
 * Runs `list` on the named hosts (every host when none is named) at once; a host that fails is reported, not fatal,
 * so one unreachable VM does not hide the others.
 */
export async function fromEachHost<T>(ctx: CliContext, names: string[], list: (host: string) => Promise<T[]>): Promise<{ rows: T[]; failures: HostFailure[] }> {
  const hosts = names.length > 0 ? names : ctx.core.listHosts().map((host) => host.name);
  const rows: T[] = [];
  const failures: HostFailure[] = [];
  await Promise.all(
    hosts.map(async (host) => {
      try {
        rows.push(...(await list(host)));
      } catch (error) {
        failures.push({ host, error: errorMessage(error) });
      }
    }),
  );
  return { rows, failures };
}

/** Failures go to stderr (after a table); a host the user named that failed makes the command fail. */
export function reportFailures(ctx: CliContext, named: string[], failures: HostFailure[]): void {
  if (!ctx.json) for (const failure of failures) process.stderr.write(`flightdeck: ${failure.host}: ${failure.error}\n`);
  if (failures.length > 0 && named.length > 0) throw new Error(failures.map((failure) => `${failure.host}: ${failure.error}`).join('; '));
}
