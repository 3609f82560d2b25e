import { execFile } from 'node:child_process';

/**
 * Whether the terminal is set up for hidden typing — echo off while the line discipline is canonical —
 * as getpass(), sudo, ssh and `read -s` do for passwords. Shells and full-screen agents turn echo off too,
 * but with canonical mode off (they echo themselves), so they do not count. Linux `stty -F`; false when
 * unknown.
 */
export function typingIsHidden(ptyPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('stty', ['-F', ptyPath], { timeout: 2000 }, (error, stdout) => {
      if (error) return resolve(false);
      const off = (flag: string) => new RegExp(`(^|\\s)-${flag}(\\s|$)`, 'm').test(stdout);
      resolve(off('echo') && !off('icanon'));
    });
  });
}
