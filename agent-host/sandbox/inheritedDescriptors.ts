import { execArgv, PERL } from './perl';

/**
 * Nothing of the daemon's reaches the code in a sandbox but its terminal (descriptors 0–2).
 *
 * node-pty 1.1.0 leaves every PTY master it opens inheritable (forkpty cannot set O_CLOEXEC and nothing sets
 * FD_CLOEXEC afterwards; microsoft/node-pty#657, fixed only in 1.2 betas and only for PTY children). PtyProcess
 * now marks them close-on-exec (os/libc.ts, glibc only); this stays for everything else a daemon descriptor
 * might be, and where there is no glibc. Measured before either: a sandbox started after another session held
 * that session's /dev/ptmx read-write, so the code inside could type into, or read, any earlier terminal — an
 * unconfined shell on the host among them. So the first program inside (bwrap passes descriptors through) closes
 * every descriptor above 2 before the agent runs. bwrap itself keeps them until it dies, which it does with the daemon
 * (--die-with-parent), so it holds no terminal open past the daemon.
 *
 * Perl, for the launchers: fdopen-and-close needs no module (~3 ms a start), and neither sh nor node can close a
 * descriptor it did not open. One that cannot be closed stops the start (exit 126): fail closed. The daemon's
 * MCP servers start the same way (third-party code, given no more than the agent).
 */
/** Perl statements that close every descriptor above 2; `who` starts the error line. */
export function closeInheritedDescriptors(who: string): string {
  return [
    `opendir(my $fdDir, "/proc/self/fd") or do { print STDERR "${who}: cannot list inherited descriptors: $!\\n"; exit 126 };`,
    'my @inherited = grep { /^\\d+$/ && $_ > 2 && $_ != fileno($fdDir) } readdir($fdDir);',
    'closedir($fdDir);',
    'for my $fd (@inherited) {',
    '  (open(my $h, "+<&=", $fd) || open($h, "<&=", $fd) || open($h, ">&=", $fd))',
    `    or do { print STDERR "${who}: cannot close inherited descriptor $fd: $!\\n"; exit 126 };`,
    '  close($h);',
    '}',
  ].join(' ');
}

/** argv that runs `command args` with descriptors 0–2 only (for commands without a terminal to hand over). */
export function withoutInheritedDescriptors(who: string, command: string, args: readonly string[]): string[] {
  return [PERL, '-e', `${closeInheritedDescriptors(who)} ${execArgv(who)}`, '--', command, ...args];
}
