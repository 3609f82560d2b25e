import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_FRAME_BYTES } from '../common/wire/frame';

export interface HostConfig {
  stateDir: string;
  /** Journal bytes kept per session before old output is cut (a screen snapshot stands in for it). */
  retentionBytes: number;
  /** Un-acked bytes a viewer may have in flight before the host stops sending to it. */
  highWatermark: number;
  /** A viewer with un-acked output and no ack progress for this long is told it is stalled. */
  stallTimeoutMs: number;
  /** Ended sessions are removed this long after they ended; 0 keeps them regardless of age. */
  exitedRetentionAgeMs: number;
  /** The oldest ended sessions are removed while all ended ones hold more journal bytes than this; 0: no cap. */
  exitedRetentionBytes: number;
  maxFrameBytes: number;
}

export const DEFAULTS = {
  retentionBytes: 8 * 1024 * 1024,
  highWatermark: 1024 * 1024,
  stallTimeoutMs: 30_000,
  exitedRetentionAgeMs: 7 * 24 * 3600 * 1000,
  exitedRetentionBytes: 256 * 1024 * 1024,
} as const;

/** Flags every command accepts; `bridge` forwards the tuning ones to the daemon it starts. */
export const CONFIG_OPTIONS = {
  'state-dir': { type: 'string' },
  'retention-bytes': { type: 'string' },
  'high-watermark': { type: 'string' },
  'stall-timeout-ms': { type: 'string' },
  'exited-retention-age': { type: 'string' },
  'exited-retention-bytes': { type: 'string' },
  json: { type: 'boolean' },
  // audit verify: a head (SEQ:HASH) seen before, which the chain must still hold.
  anchor: { type: 'string' },
  // bridge: the person the SSH key running it is bound to (set by the forced command `agent-host identity add` writes).
  as: { type: 'string' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const FORWARDED_FLAGS = [
  'retention-bytes',
  'high-watermark',
  'stall-timeout-ms',
  'exited-retention-age',
  'exited-retention-bytes',
] as const;

export type ParsedFlags = ReturnType<typeof parseFlags>;

export function parseFlags(argv: string[]) {
  return parseArgs({ args: argv, options: CONFIG_OPTIONS, allowPositionals: true, strict: true });
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function nonNegativeInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === '0') return 0;
  return positiveInt(name, raw, fallback);
}

const DURATION_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "30m", "12h", "7d"; "0" for no limit. */
function duration(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (raw === '0') return 0;
  const match = /^(\d+)([smhd])$/.exec(raw);
  const value = match ? Number(match[1]) * DURATION_UNITS_MS[match[2]!]! : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a duration such as 90s, 30m, 12h or 7d (or 0 for no limit), got "${raw}"`);
  }
  return value;
}

export function resolveConfig(values: ParsedFlags['values'], env: NodeJS.ProcessEnv = process.env): HostConfig {
  const stateDir = values['state-dir'] ?? env.FLIGHTDECK_HOST_DIR ?? join(homedir(), '.flightdeck', 'host');
  return {
    stateDir: resolve(stateDir),
    retentionBytes: positiveInt(
      '--retention-bytes',
      values['retention-bytes'] ?? env.FLIGHTDECK_HOST_RETENTION_BYTES,
      DEFAULTS.retentionBytes,
    ),
    highWatermark: positiveInt(
      '--high-watermark',
      values['high-watermark'] ?? env.FLIGHTDECK_HOST_HIGH_WATERMARK,
      DEFAULTS.highWatermark,
    ),
    stallTimeoutMs: positiveInt(
      '--stall-timeout-ms',
      values['stall-timeout-ms'] ?? env.FLIGHTDECK_HOST_STALL_TIMEOUT_MS,
      DEFAULTS.stallTimeoutMs,
    ),
    exitedRetentionAgeMs: duration(
      '--exited-retention-age',
      values['exited-retention-age'] ?? env.FLIGHTDECK_HOST_EXITED_RETENTION_AGE,
      DEFAULTS.exitedRetentionAgeMs,
    ),
    exitedRetentionBytes: nonNegativeInt(
      '--exited-retention-bytes',
      values['exited-retention-bytes'] ?? env.FLIGHTDECK_HOST_EXITED_RETENTION_BYTES,
      DEFAULTS.exitedRetentionBytes,
    ),
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  };
}

export const statePaths = (stateDir: string) => ({
  socket: join(stateDir, 'agent-host.sock'),
  database: join(stateDir, 'host.db'),
  lock: join(stateDir, 'daemon.lock'),
  pid: join(stateDir, 'daemon.pid'),
  log: join(stateDir, 'daemon.log'),
  /** The people, one `NAME KEYTYPE BASE64` per line (agent-host/identity/identities.ts). */
  identities: join(stateDir, 'identities'),
});
