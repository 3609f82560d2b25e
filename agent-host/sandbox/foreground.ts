import { closeInheritedDescriptors } from './inheritedDescriptors';
import { execArgv, PERL } from './perl';

/**
 * The agent as the terminal's foreground job, bwrap in the background of its own session.
 *
 * Why not `bwrap --new-session`: it calls setsid(), so the agent loses its controlling terminal — no
 * SIGWINCH on resize, no job control, `tty` fails. What --new-session guards against is TIOCSTI: a
 * sandboxed process pushing keystrokes into a terminal that an unconfined shell reads after the
 * sandbox exits (this kernel still allows TIOCSTI: /proc/sys/dev/tty/legacy_tiocsti = 1). We close
 * that differently: bwrap is the PTY's direct child and session leader (node-pty forks, calls setsid,
 * opens the slave and execs bwrap), so every process that ever has this terminal is inside the
 * sandbox, and when the sandbox is gone the daemon only reads the master and closes it. Nothing
 * outside the sandbox ever reads from that slave. Other terminals are out of reach too: `--dev /dev`
 * mounts a fresh devpts, so /dev/pts inside holds only ptmx (bwrap binds our slave at /dev/console,
 * which is what `tty` prints inside).
 *
 * Why the launcher: bwrap's outer process stays in the terminal's foreground process group and does
 * not handle SIGINT/SIGQUIT/SIGTSTP. Measured: ^C typed into a cooked-mode program in the sandbox kills
 * bwrap (node-pty reports signal 2) and --die-with-parent then SIGKILLs the program, even one that
 * traps SIGINT. So the sandboxed command first makes itself a process group of its own and the
 * terminal's foreground group (setpgid + tcsetpgrp), then execs the agent: terminal signals reach the
 * agent and never bwrap, and /proc/<bwrap>/stat's tpgid names the agent's group (what the session's
 * status detector and signal() use). Without a terminal on stdin the launcher only closes and execs.
 *
 * Perl (perl.ts) because tcsetpgrp needs a syscall that neither sh nor node offers. Cost: ~15-25 ms per agent
 * start (measured). It first closes what the sandbox inherited (inheritedDescriptors.ts).
 */

const LAUNCHER = [
  closeInheritedDescriptors('sandbox'),
  'use POSIX ();',
  'if (-t STDIN) {',
  '  local $SIG{TTOU} = "IGNORE";',
  '  POSIX::setpgid(0, 0);',
  '  POSIX::tcsetpgrp(0, POSIX::getpgrp());',
  '}',
  execArgv('sandbox'),
].join(' ');

/** argv that runs `command args` as the foreground process group of the terminal on stdin, if any. */
export function foregroundArgv(command: string, args: readonly string[]): string[] {
  return [PERL, '-e', LAUNCHER, '--', command, ...args];
}
