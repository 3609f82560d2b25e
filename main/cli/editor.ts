import { spawnSync } from 'node:child_process';

/**
 * The user's editor on `file`, as a shell would run it: `$VISUAL`/`$EDITOR` may carry arguments (`code --wait`).
 * `what` names the file's content in errors (the file is kept: an edit is never lost).
 */
export function runEditor(file: string, what: string): void {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const result = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
  if (result.error) throw new Error(`could not start the editor "${editor}": ${result.error.message}; ${what} is in ${file}`);
  if (result.status !== 0) throw new Error(`the editor "${editor}" exited with ${result.status ?? result.signal}; ${what} is in ${file}`);
}
