import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PERL } from './perl';
import { sandboxCommand } from './sandbox';

export type SandboxProbe =
  | { available: true; bwrap: string; version: string; userns: boolean }
  | { available: false; reason: string };

export type SandboxReady = Extract<SandboxProbe, { available: true }>;

export interface ProbeOptions {
  /** A bwrap to use instead of looking for one. */
  bwrap?: string;
  /** Where to look for bwrap (default: this process's PATH, then /usr/bin/bwrap). */
  PATH?: string;
}

const FALLBACK_BWRAP = '/usr/bin/bwrap';
const PROBE_TIMEOUT_MS = 10_000;
const INSTALL = 'install the bubblewrap package (Debian/Ubuntu: apt-get install bubblewrap)';

/** The sysctls that switch unprivileged user namespaces off, with this host's values where they exist. */
const USERNS_SYSCTLS = [
  ['kernel.unprivileged_userns_clone', '/proc/sys/kernel/unprivileged_userns_clone', 'Debian kernels: must be 1'],
  ['user.max_user_namespaces', '/proc/sys/user/max_user_namespaces', 'must be > 0'],
  ['kernel.apparmor_restrict_unprivileged_userns', '/proc/sys/kernel/apparmor_restrict_unprivileged_userns', 'Ubuntu 23.10+: 0, or an AppArmor profile allowing userns for bwrap'],
] as const;

let cached: Promise<SandboxProbe> | undefined;

/** Whether agents can be sandboxed on this host, and if not exactly why. Probed once per process. */
export function probeSandbox(): Promise<SandboxProbe> {
  cached ??= probeBwrap();
  return cached;
}

/**
 * Uncached probe: finds bwrap, reads its version, and runs `true` through sandboxCommand() — the very
 * flags agents get (isolated network, private /tmp, the foreground launcher) — first with a user
 * namespace of its own, then without one.
 */
export async function probeBwrap(options: ProbeOptions = {}): Promise<SandboxProbe> {
  const bwrap = options.bwrap ?? findBwrap(options.PATH ?? process.env.PATH ?? '');
  if (!bwrap) return { available: false, reason: `bubblewrap is not installed (no bwrap on PATH or at ${FALLBACK_BWRAP}): ${INSTALL}` };
  if (!isExecutable(bwrap)) return { available: false, reason: `bubblewrap is not installed (${bwrap} is missing or not executable): ${INSTALL}` };

  const versionRun = await run(bwrap, ['--version']);
  if (versionRun.code !== 0) return { available: false, reason: `${bwrap} --version failed: ${describe(versionRun)}` };
  const version = /(\d+(?:\.\d+)+)/.exec(versionRun.stdout)?.[1] ?? versionRun.stdout.trim();

  const attempt = (userns: boolean): Promise<RunResult> => {
    const { command, args } = sandboxCommand({
      bwrap, userns, command: 'true', args: [], cwd: '/',
      writable: [], readOnly: [], hidden: [], sockets: [], network: 'isolated', privateTmp: true,
    });
    return run(command, args);
  };
  const withUserns = await attempt(true);
  if (withUserns.code === 0) return { available: true, bwrap, version, userns: true };
  const without = await attempt(false);
  if (without.code === 0) return { available: true, bwrap, version, userns: false };
  return { available: false, reason: explainFailure(bwrap, without) };
}

function findBwrap(PATH: string): string | undefined {
  for (const dir of PATH.split(delimiter)) {
    if (dir && isExecutable(join(dir, 'bwrap'))) return join(dir, 'bwrap');
  }
  return isExecutable(FALLBACK_BWRAP) ? FALLBACK_BWRAP : undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      const failure = error as (NodeJS.ErrnoException & { code?: string | number; signal?: string | null }) | null;
      if (failure && typeof failure.code === 'string') {
        resolve({ code: null, signal: null, stdout, stderr, spawnError: `${failure.code}: ${failure.message}` });
        return;
      }
      resolve({ code: failure ? ((failure.code as number | undefined) ?? null) : 0, signal: failure?.signal ?? null, stdout, stderr });
    });
  });
}

function describe(result: RunResult): string {
  if (result.spawnError) return result.spawnError;
  const how = result.signal ? `killed by ${result.signal}${result.signal === 'SIGKILL' ? ` (timeout ${PROBE_TIMEOUT_MS} ms?)` : ''}` : `exit ${result.code}`;
  const said = result.stderr.trim();
  return said ? `${how}; bwrap said: ${said}` : how;
}

function sysctlValues(): string {
  const found: string[] = [];
  for (const [name, file, want] of USERNS_SYSCTLS) {
    try {
      found.push(`${name} = ${readFileSync(file, 'utf8').trim()} (${want})`);
    } catch {
      // Not on this kernel.
    }
  }
  return found.length ? `; this host: ${found.join(', ')}` : '';
}

/** Turns bwrap's own words into what the admin has to do. */
function explainFailure(bwrap: string, result: RunResult): string {
  const said = result.stderr;
  if (result.spawnError) return `cannot run ${bwrap}: ${result.spawnError}`;
  if (/execvp .*perl|cannot run .*perl/i.test(said) || (result.code === 127 && said.includes(PERL))) {
    return `${PERL} is missing inside the sandbox (Debian package perl-base); the sandbox uses it to give the agent its terminal: ${describe(result)}`;
  }
  if (/namespace|uid map|setting up uid|No permissions to creat|Operation not permitted|Permission denied|ENOSPC/i.test(said)) {
    return (
      `user namespaces are not available to this user, so bwrap cannot build a sandbox (${describe(result)}). ` +
      `Enable unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1 (Debian), ` +
      `user.max_user_namespaces > 0, kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu)${sysctlValues()}`
    );
  }
  return `bwrap could not run a sandboxed command: ${describe(result)}`;
}
