import { z } from 'zod';

export const SessionId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'session ids are letters, digits, - and _');

/**
 * Names one viewer's stream of a session in OUTPUT, INPUT, REPLY and ACK frames. A client that views a session
 * once uses the session id; one that multiplexes several views (the app's windows over one SSH channel) picks its own.
 */
export const StreamId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:~-]+$/, 'stream ids are letters, digits and . : ~ - _');

export const SessionStatus = z.enum(['starting', 'working', 'waiting-for-input', 'idle', 'exited', 'interrupted']);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const Labels = z.record(z.string().max(64), z.string().max(256));

export const SessionInfo = z.object({
  id: SessionId,
  name: z.string(),
  command: z.string(),
  args: z.array(z.string()),
  cwd: z.string(),
  labels: Labels,
  cols: z.number().int(),
  rows: z.number().int(),
  status: SessionStatus,
  pid: z.number().int().nullable(),
  exitCode: z.number().int().nullable(),
  exitSignal: z.string().nullable(),
  createdAt: z.number(),
  endedAt: z.number().nullable(),
  /** Offset one past the last journaled byte. */
  endOffset: z.number().int().nonnegative(),
  /** First offset still in the journal; older output survives only as the snapshot at the cut. */
  retainedFrom: z.number().int().nonnegative(),
  /** Whether viewers may type into it. */
  inputAllowed: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const Signal = z.enum(['SIGINT', 'SIGTERM', 'SIGKILL', 'SIGHUP', 'SIGQUIT', 'SIGTSTP', 'SIGCONT', 'SIGUSR1', 'SIGUSR2']);
export type Signal = z.infer<typeof Signal>;

export const TerminalSize = {
  cols: z.number().int().min(2).max(1000),
  rows: z.number().int().min(1).max(500),
};

/** A serialized screen (@xterm/headless + addon-serialize) that stands for all output before `offset`. */
export const ScreenSnapshot = z.object({
  data: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
  offset: z.number().int().nonnegative(),
});
export type ScreenSnapshot = z.infer<typeof ScreenSnapshot>;
