import { WireError, WireErrorCode } from '../../common/wire/errors';

// git's complaint is at the end of its output; earlier lines are progress and hints.
const KEPT_LINES = 6;
const KEPT_CHARS = 1500;

/** Masks the password of `scheme://user:password@host` URLs: messages and lists travel to every client. */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/[^/@:\s]*):[^/@\s]*@/g, '$1:***@');
}

/**
 * The last lines git wrote, trimmed. Progress lines are rewritten in place with \r, so only the last state of
 * each counts.
 */
export function gitOutputTail(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((line) => (line.split('\r').at(-1) ?? '').trim())
    .filter((line) => line !== '');
  const tail = lines.slice(-KEPT_LINES).join('\n');
  return redactUrl(tail.length > KEPT_CHARS ? `…${tail.slice(-KEPT_CHARS)}` : tail);
}

/**
 * A failed git command as the error that crosses the wire: what we were doing (naming repo, URL, ref), then git's
 * words. Passwords in URLs are masked in the message; data is the caller's to mask.
 */
export function gitFailed(doing: string, error: unknown, data: Record<string, unknown>): WireError {
  const said = gitOutputTail(error);
  const message = redactUrl(said ? `${doing}: ${said}` : `${doing}: git failed and said nothing`);
  return new WireError(WireErrorCode.GitFailed, message, {
    ...data,
    git: said,
  });
}
