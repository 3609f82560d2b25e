/**
 * The launchers are Perl: Debian's perl-base (Essential: yes, POSIX.pm included) is on every Debian/Ubuntu VM,
 * and it makes the syscalls the launchers need that neither sh nor node offers.
 */
export const PERL = '/usr/bin/perl';

/** The last statement of a launcher: run the command its arguments name; `who` starts the error line. */
export function execArgv(who: string): string {
  return `exec { $ARGV[0] } @ARGV or do { print STDERR "${who}: cannot run $ARGV[0]: $!\\n"; exit 127 };`;
}
