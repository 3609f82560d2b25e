import { parse, type ParseEntry } from 'shell-quote';
import { SUBST, UNKNOWN } from './shellScan';

/**
 * Words of a scanned command line (see shellScan.ts), split into simple commands at the control operators
 * (`;` `&&` `||` `|` `|&` `&` `(` `)` …) with redirections and their targets taken out. Each word says how sure
 * we are of what the program will receive:
 * - `literal`: exactly this text;
 * - `glob`: an unquoted `*`, `?` or `[…]` pattern the shell may expand into the names of existing files;
 * - `unknown`: holds a variable, a substitution's output or a brace expansion (`{git,}`): any text, any number of
 *   words, known only when it runs.
 */

export type WordKind = 'literal' | 'glob' | 'unknown';

export interface Word {
  text: string;
  kind: WordKind;
}

const CONTROL = new Set(['||', '&&', ';', ';;', ';&', ';;&', '|', '|&', '&', '(', ')', '<(', '>(']);
const REDIRECT = new Set(['<', '>', '>>', '>&', '<&', '<>', '>|', '&>', '&>>', '<<', '<<-', '<<<']);
const SENTINEL = new RegExp(`[${SUBST}${UNKNOWN}]`);
export const BRACE_EXPANSION = /\{[^{}]*(?:,|\.\.)[^{}]*\}/;

export function classify(text: string, unquotedGlob = false): Word {
  if (SENTINEL.test(text) || BRACE_EXPANSION.test(text)) return { text, kind: 'unknown' };
  if (unquotedGlob || /\[[^\]]+\]/.test(text)) return { text, kind: 'glob' };
  return { text, kind: 'literal' };
}

/** shell-quote's tokens, or the reason it could not tokenize (it throws on e.g. `${}`). */
function tokens(text: string, keepVariables: boolean): ParseEntry[] | string {
  try {
    return parse(text, (name) => (keepVariables ? `$${name}` : UNKNOWN));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export interface Segments {
  segments: Word[][];
  problems: string[];
}

/** The simple commands of a scanned line, each as its words (assignments, wrappers and all: see simpleCommands). */
export function segmentsOf(text: string): Segments {
  const parsed = tokens(text, false);
  if (typeof parsed === 'string') return { segments: [], problems: [`the shell syntax is not understood (${parsed})`] };
  const segments: Word[][] = [];
  let current: Word[] = [];
  const flush = () => {
    if (current.length > 0) segments.push(current);
    current = [];
  };
  for (let index = 0; index < parsed.length; index += 1) {
    const token = parsed[index]!;
    if (typeof token === 'string') current.push(classify(token));
    else if ('comment' in token) continue;
    else if (token.op === 'glob') current.push(classify(token.pattern, true));
    else if (REDIRECT.has(token.op)) {
      const target = parsed[index + 1];
      if (typeof target === 'string' || (target && 'op' in target && target.op === 'glob')) index += 1;
    } else if (CONTROL.has(token.op)) flush();
    else flush();
  }
  flush();
  return { segments, problems: [] };
}

/**
 * The words of a text with no shell syntax beyond quoting (`env -S`'s string, a command pattern): operators are
 * an error. `keepVariables`: `$X` stays the literal text `$X` (patterns) instead of an unknown word.
 */
export function plainWords(text: string, keepVariables = false): Word[] | string {
  const parsed = tokens(text, keepVariables);
  if (typeof parsed === 'string') return parsed;
  const words: Word[] = [];
  for (const token of parsed) {
    if (typeof token === 'string') words.push(classify(token));
    else if ('comment' in token) return 'contains a comment (#)';
    else if (token.op === 'glob') words.push(classify(token.pattern, true));
    else return `contains the shell operator ${token.op}`;
  }
  return words;
}

/** The program's name as a pattern compares it: `/usr/bin/git` → `git`. */
export function programName(text: string): string {
  const trimmed = text.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || text;
}

/** A word as people read it in a verdict: substitutions as `$(…)`, variables as `$…`. */
export function displayWord(word: Word): string {
  const text = word.text.replaceAll(SUBST, '$(…)').replaceAll(UNKNOWN, '$…');
  return /^[\w@%+=:,./$(…)*?[\]{}-]+$/.test(text) ? text : JSON.stringify(text);
}

/**
 * A bash `case` pattern as a regular expression: `*` any text (slashes too), `?` one character, `[…]` / `[!…]` a
 * class; everything else literal. `extraWildcard`: characters that also stand for any text (the sentinels).
 */
export function globRegExp(glob: string, extraWildcard = ''): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === '*' || extraWildcard.includes(c)) source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '[' && glob.indexOf(']', i + 2) > 0) {
      const close = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      const members = (negated ? body.slice(1) : body).replace(/[\\\]^[]/g, '\\$&');
      source += `[${negated ? '^' : ''}${members}]`;
      i = close;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export const SENTINELS = `${SUBST}${UNKNOWN}`;
