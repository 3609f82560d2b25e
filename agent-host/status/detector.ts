import type { SessionStatus } from '../../common/protocol/session';

/** What a detector may look at; gathered by the session on each evaluation. */
export interface StatusContext {
  now: number;
  startedAt: number;
  /** Time of the last output byte, or null if none yet. */
  lastOutputAt: number | null;
  /** Text on the cursor's line up to the cursor, from the headless screen. */
  cursorLine: () => string;
  /** Whether the PTY's foreground process is blocked reading the terminal (Linux /proc), lazily read. */
  blockedOnTtyRead: () => boolean;
}

/** Derives a running session's status; exited and interrupted are set by the session itself. */
export interface StatusDetector {
  readonly kind: string;
  detect(context: StatusContext): Extract<SessionStatus, 'starting' | 'working' | 'waiting-for-input' | 'idle'>;
  /**
   * When `detect` may next answer differently if no output comes: the next quiet threshold it knows of, or null past
   * them all (then only polling can tell). A detector without it is polled while output is recent.
   */
  nextCheckAt?(context: QuietContext): number | null;
}

export type QuietContext = Pick<StatusContext, 'now' | 'startedAt' | 'lastOutputAt'>;

export interface ActivityDetectorOptions {
  /** Output within this window means working. */
  workingWindowMs?: number;
  /** With no output at all for this long after start, the session is no longer "starting". */
  startingGraceMs?: number;
  /** Quiet needed before a prompt on the screen counts as waiting for input. */
  promptQuietMs?: number;
  promptPatterns?: RegExp[];
}

export const DEFAULT_PROMPT_PATTERNS: RegExp[] = [
  /[$#%>] $/,
  /\? $/,
  /: $/,
  /\[[yY]\/[nN]\]\s*$/,
  /\([yY]\/[nN]\)\s*$/,
];

/**
 * The default detector for shells and CLI agents: recent output means working; after a short quiet,
 * a prompt-looking cursor line or a foreground process blocked in a tty read means waiting for input;
 * otherwise idle.
 */
export class ActivityDetector implements StatusDetector {
  readonly kind = 'activity';
  private readonly workingWindowMs: number;
  private readonly startingGraceMs: number;
  private readonly promptQuietMs: number;
  private readonly promptPatterns: RegExp[];

  constructor(options: ActivityDetectorOptions = {}) {
    // Long enough that a program printing every second stays "working": each flip is a journal write and an event
    // to every client, and a fleet of steady printers flapping twice a second cost more than all their output.
    this.workingWindowMs = options.workingWindowMs ?? 1500;
    this.startingGraceMs = options.startingGraceMs ?? 1000;
    this.promptQuietMs = options.promptQuietMs ?? 300;
    this.promptPatterns = options.promptPatterns ?? DEFAULT_PROMPT_PATTERNS;
  }

  detect(context: StatusContext): ReturnType<StatusDetector['detect']> {
    const { now, lastOutputAt } = context;
    if (lastOutputAt === null && now - context.startedAt < this.startingGraceMs) return 'starting';
    const quietFor = lastOutputAt === null ? now - context.startedAt : now - lastOutputAt;
    if (quietFor < this.promptQuietMs) return 'working';
    if (context.blockedOnTtyRead()) return 'waiting-for-input';
    const line = context.cursorLine();
    if (this.promptPatterns.some((pattern) => pattern.test(line))) return 'waiting-for-input';
    return quietFor < this.workingWindowMs ? 'working' : 'idle';
  }

  /**
   * Between two thresholds the answer changes only with output (which the session reacts to) or with the program
   * starting to read the terminal without printing, which the next threshold catches: a program printing a line a
   * second is looked at once per line, not five times.
   */
  nextCheckAt({ now, startedAt, lastOutputAt }: QuietContext): number | null {
    if (lastOutputAt === null && now - startedAt < this.startingGraceMs) return startedAt + this.startingGraceMs;
    const quietSince = lastOutputAt ?? startedAt;
    for (const threshold of [this.promptQuietMs, this.workingWindowMs]) {
      if (now - quietSince < threshold) return quietSince + threshold;
    }
    return null;
  }
}

const detectors = new Map<string, () => StatusDetector>([['activity', () => new ActivityDetector()]]);

/** Agent kinds register their own detector (e.g. one fed by an agent's hooks); unknown kinds get the default. */
export function registerDetector(kind: string, create: () => StatusDetector): void {
  detectors.set(kind, create);
}

export function detectorFor(kind: string | undefined): StatusDetector {
  return (detectors.get(kind ?? 'activity') ?? detectors.get('activity')!)();
}
