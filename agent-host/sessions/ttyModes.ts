import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SttyHelper, type HelperKind } from './sttyHelper';

/** A terminal that does not answer this fast is treated as unknown (hidden). */
const ANSWER_TIMEOUT_MS = 500;

let helper: SttyHelper | undefined;
/** perl when there is one; a perl that does not answer (no POSIX module, say) is not tried again. */
let kind: HelperKind | undefined;

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Whether the terminal is set up for hidden typing at this moment — echo off while the line discipline is
 * canonical — as getpass(), sudo, ssh and `read -s` do for passwords. Shells and full-screen agents turn echo
 * off too, but with canonical mode off (they echo themselves), so they do not count.
 *
 * Read synchronously (through SttyHelper) so the decision is taken for the very bytes about to be written:
 * asking later lets a fast typist's password through. When the modes cannot be read the answer is true: the
 * audit then keeps the byte count without the text.
 */
export function typingIsHidden(ptyPath: string): boolean {
  if (!/^\/dev\/[\w/]+$/.test(ptyPath)) return true;
  try {
    kind ??= onPath('perl') ? 'perl' : 'sh';
    if (!helper?.alive) {
      helper?.close();
      helper = SttyHelper.start(kind);
    }
    const modes = helper.modes(ptyPath, ANSWER_TIMEOUT_MS);
    if (!helper.alive && kind === 'perl') kind = 'sh';
    if (modes === null) return true;
    const off = (flag: string) => new RegExp(`(^|\\s)-${flag}(\\s|$)`, 'm').test(modes);
    return off('echo') && !off('icanon');
  } catch {
    return true;
  }
}
