/**
 * A terminal answers some queries by itself (device attributes, cursor position, mode and colour reports, focus
 * changes). Those answers are not a human typing: the host takes them only from the viewer that holds input and
 * does not audit them as keystrokes. This is the grammar of the answers xterm.js and common terminals send.
 * Known overlap: a cursor report at row 1 (`CSI 1 ; n R`) is byte for byte a modified F3 key; it counts as a reply.
 */

const ST = '(?:\\x1b\\\\|\\x07)';
const REPLY_SOURCES = [
  // Device attributes: primary, secondary, tertiary.
  '\\x1b\\[\\?[\\d;]*c',
  '\\x1b\\[>[\\d;]*c',
  `\\x1bP!\\|[0-9A-Fa-f]*${ST}`,
  // Cursor position (plain and DEC extended) and device status.
  '\\x1b\\[\\d+;\\d+R',
  '\\x1b\\[\\?\\d+;\\d+(?:;\\d+)?R',
  '\\x1b\\[[03]n',
  // Mode reports (DECRQM), window reports, kitty keyboard flags, focus in/out.
  '\\x1b\\[\\??\\d+;\\d+\\$y',
  '\\x1b\\[\\d+(?:;\\d+){1,2}t',
  '\\x1b\\[\\?\\d*u',
  '\\x1b\\[[IO]',
  // Colour reports (OSC 4, 10-19) and DCS reports: DECRQSS, XTVERSION, XTGETTCAP.
  `\\x1b\\](?:4;\\d+|1\\d);rgb:[0-9A-Fa-f/]+${ST}`,
  `\\x1bP[01]\\$r[\\x20-\\x7e]*${ST}`,
  `\\x1bP>\\|[\\x20-\\x7e]*${ST}`,
  `\\x1bP[01]\\+r[\\x20-\\x7e]*${ST}`,
];
const REPLY = new RegExp(`^(?:${REPLY_SOURCES.join('|')})`);

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** Length of the reply at the start of `text`, or 0. */
function replyAt(text: string): number {
  return text.charCodeAt(0) === 0x1b ? (REPLY.exec(text)?.[0].length ?? 0) : 0;
}

/** True when the bytes are nothing but terminal replies (xterm.js hands each reply over as its own chunk). */
export function isTerminalReply(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let text = latin1(bytes);
  while (text.length > 0) {
    const length = replyAt(text);
    if (length === 0) return false;
    text = text.slice(length);
  }
  return true;
}

export interface InputSegment {
  reply: boolean;
  data: Uint8Array;
}

/** Splits what a real terminal sent (typing and replies mixed, as a CLI reads its stdin) into runs, in order. */
export function segmentTerminalInput(bytes: Uint8Array): InputSegment[] {
  const text = latin1(bytes);
  const segments: InputSegment[] = [];
  let typedFrom = 0;
  let at = 0;
  while (at < text.length) {
    const length = replyAt(text.slice(at, at + 512));
    if (length === 0) {
      at += 1;
      continue;
    }
    if (at > typedFrom) segments.push({ reply: false, data: bytes.subarray(typedFrom, at) });
    segments.push({ reply: true, data: bytes.subarray(at, at + length) });
    at += length;
    typedFrom = at;
  }
  if (typedFrom < bytes.length) segments.push({ reply: false, data: bytes.subarray(typedFrom) });
  return segments;
}
