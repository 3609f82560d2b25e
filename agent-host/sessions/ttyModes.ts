import { closeSync, constants, openSync } from 'node:fs';
import { Termios, native } from 'node-termios';

const { ECHO, ICANON } = native.LFLAGS;
/** Opened only to read its modes: never to become the daemon's controlling terminal, never to wait. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Whether the terminal is set up for hidden typing at this moment — echo off while the line discipline is
 * canonical — as getpass(), sudo, ssh and `read -s` do for passwords. Shells and full-screen agents turn echo
 * off too, but with canonical mode off (they echo themselves), so they do not count.
 *
 * Read synchronously with tcgetattr (node-termios: Node has none) so the decision is taken for the very bytes
 * about to be written: asking later lets a fast typist's password through. ~5 us per question. When the modes
 * cannot be read the answer is true: the audit then keeps the byte count without the text.
 */
export function typingIsHidden(ptyPath: string): boolean {
  if (!/^\/dev\/[\w/]+$/.test(ptyPath)) return true;
  let fd: number | undefined;
  try {
    fd = openSync(ptyPath, OPEN_FLAGS);
    const lflag = new Termios(fd).c_lflag;
    return (lflag & ECHO) === 0 && (lflag & ICANON) !== 0;
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
