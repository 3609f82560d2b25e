/**
 * How `agent-host bridge` ends when it never reached a daemon, so the app can tell a failure a retry would only
 * repeat (it waits for the human) from one a retry may fix (any other non-zero code).
 */
export const BridgeExitCode = {
  /** The daemon it started exited at once: starting it again fails the same way (its log tail is on stderr). */
  DaemonStartFailed: 4,
  /** The state dir (or a file in it) is a symlink, another user's, or writable by others: refused before use. */
  StateDirRefused: 5,
} as const;
