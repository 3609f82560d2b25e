import { IdentityFileError } from './ownFile';
import type { PublicKey } from './publicKey';

/** One key line of an authorized_keys file. */
export interface AuthorizedKey {
  /** 1-based line number. */
  line: number;
  /** The options field (`command="…",restrict`), or undefined for a plain key. */
  options: string | undefined;
  type: string;
  base64: string;
}

/** What a bound key runs: `<node> <bridge.mjs> --as NAME --state-dir <dir>`, whatever command the client asks for. */
export interface BridgeBinding {
  node: string;
  bridge: string;
  name: string;
  stateDir: string;
}

// A key type word opens a line with no options (sshd tries the key first, then skips one options field).
const KEY_TYPE_WORD = /^(?:ssh|ecdsa|sk|rsa)-[A-Za-z0-9@.-]+$/;
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * The first whitespace-delimited field of `text`, where double quotes hold spaces and `\"` inside them is a quote:
 * how sshd reads the options field (auth-options.c).
 */
function firstField(text: string): [field: string, rest: string] {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted && char === '\\' && text[i + 1] === '"') i++;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && (char === ' ' || char === '\t')) return [text.slice(0, i), text.slice(i).trimStart()];
  }
  return [text, ''];
}

/** Every key line (comments, blank and unreadable lines are skipped: sshd skips them too). */
export function parseAuthorizedKeys(text: string): AuthorizedKey[] {
  const keys: AuthorizedKey[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let [first, rest] = firstField(line);
    let options: string | undefined;
    if (!KEY_TYPE_WORD.test(first)) {
      options = first;
      [first, rest] = firstField(rest);
    }
    const [base64] = firstField(rest);
    if (KEY_TYPE_WORD.test(first) && base64 !== '') keys.push({ line: index + 1, options, type: first, base64 });
  });
  return keys;
}

/**
 * Quotes a word so that sh, bash, fish, csh and tcsh all read it back unchanged (sshd runs a forced command with the
 * user's login shell): single quotes, with ', \ and ! (fish escapes, csh history) outside them, backslash-escaped.
 */
function anyShellQuote(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  const parts = word.split(/(['\\!])/).filter((part) => part !== '');
  const quoted = parts.map((part) => (part === "'" || part === '\\' || part === '!' ? `\\${part}` : `'${part}'`)).join('') || "''";
  // A final escaped backslash would escape the `"` closing sshd's option: an empty quoted string ends the word instead.
  return quoted.endsWith('\\') ? `${quoted}''` : quoted;
}

/**
 * The options field that binds a key to the bridge: a forced command (the client's own command is ignored) and
 * `restrict` (no forwarding of ports, agent or X11, no PTY, no ~/.ssh/rc). In sshd's quoted option only `\"` is an
 * escape (a backslash before anything else stays a backslash), so only `"` is escaped; the shell quoting never puts a
 * backslash right before a `"`, nor at the end of the command. The result is read back as sshd would read it, and
 * refused unless it round-trips.
 */
export function bindingOptions(binding: BridgeBinding): string {
  const words = [binding.node, binding.bridge, '--as', binding.name, '--state-dir', binding.stateDir];
  const bad = words.find((word) => /[\0\r\n]/.test(word));
  if (bad !== undefined) throw new IdentityFileError(`cannot bind a key to a path holding a newline or NUL: ${JSON.stringify(bad)}`);
  const command = words.map(anyShellQuote).join(' ');
  const options = `command="${command.replace(/"/g, '\\"')}",restrict`;
  if (forcedCommand(options) !== command) {
    throw new IdentityFileError(`cannot quote the forced command ${JSON.stringify(command)} for authorized_keys`);
  }
  return options;
}

/**
 * The forced command of an options field, read as sshd reads options (auth-options.c): `name` or `name="value"`,
 * comma-separated, where in a value `\"` is a quote and nothing else is an escape. Undefined when there is none, or
 * when the field does not read cleanly.
 */
export function forcedCommand(options: string): string | undefined {
  let command: string | undefined;
  for (let i = 0; i < options.length; ) {
    const name = /^[A-Za-z0-9-]*/.exec(options.slice(i))![0];
    i += name.length;
    let value: string | undefined;
    if (options[i] === '=' && options[i + 1] === '"') {
      value = '';
      for (i += 2; i < options.length && options[i] !== '"'; i++) {
        if (options[i] === '\\' && options[i + 1] === '"') i++;
        value += options[i];
      }
      if (options[i] !== '"') return undefined;
      i++;
    }
    if (name.toLowerCase() === 'command') command = value;
    if (i < options.length && options[i++] !== ',') return undefined;
  }
  return command;
}

/** The authorized_keys line of a bound key; its comment says who it is and who wrote it. */
export function boundKeyLine(binding: BridgeBinding, key: PublicKey): string {
  return `${bindingOptions(binding)} ${key.type} ${key.base64} ${binding.name}@flightdeck`;
}

/** Every line holding this key, whatever its options, type word or comment. */
export function linesOfKey(text: string, key: { base64: string }): AuthorizedKey[] {
  return parseAuthorizedKeys(text).filter((entry) => entry.base64 === key.base64);
}

/**
 * The text with `line` for `key`: appended, or, when the key is there already and `replace` is set, written in place of
 * that line (every other byte kept). A key already there without `replace` is refused, naming its line; so is a key on
 * several lines even with `replace`, since sshd would still honour the others (a plain one gives a shell).
 */
export function withKeyLine(text: string, path: string, key: PublicKey, line: string, replace: boolean): string {
  const existing = linesOfKey(text, key);
  const at = existing.map((entry) => entry.line).join(', ');
  if (existing.length > 0 && !replace) {
    throw new IdentityFileError(`${path}:${at}: this key is already authorized there (--replace binds that line instead)`);
  }
  if (existing.length > 1) {
    throw new IdentityFileError(`${path}: lines ${at} all hold this key; remove all but one, then --replace binds it`);
  }
  if (existing[0]) {
    const lines = text.split('\n');
    const index = existing[0].line - 1;
    lines[index] = line + (lines[index]!.endsWith('\r') ? '\r' : '');
    return lines.join('\n');
  }
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${separator}${line}\n`;
}

/** The text without every line holding `key`, and how many there were. */
export function withoutKey(text: string, key: { base64: string }): { text: string; removed: number } {
  const drop = new Set(linesOfKey(text, key).map((entry) => entry.line));
  const kept = text.split('\n').filter((_, index) => !drop.has(index + 1));
  return { text: kept.join('\n'), removed: drop.size };
}
