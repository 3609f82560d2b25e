import type { SimpleCommand } from './simpleCommands';
import { BRACE_EXPANSION, classify, globRegExp, plainWords, programName, SENTINELS, type Word } from './shellWords';

/**
 * Command patterns (`commands.deny` / `commands.ask`): words, quoted as in a shell, each a bash `case` pattern
 * (`*` any text — slashes too —, `?`, `[…]`), matched position by position against a simple command's words. The
 * first word is compared with the program's name (`git` matches `/usr/bin/git`). A last word `*` stands for any
 * further arguments, none included (`git push *`); without it the command must have exactly the pattern's words
 * (`npm publish` does not match `npm publish --dry-run`). A pattern of just `*` matches every command.
 *
 * A match is `yes`, `no` or `maybe`: a word whose value is only known when the command runs (a variable, a
 * substitution's output, a brace expansion: any text, any number of words) or a glob (the names of any existing
 * files it matches) makes a match `maybe` where it could go either way — the caller asks a person then.
 */

export const NO = 0;
export const MAYBE = 1;
export const YES = 2;
export type Match = typeof NO | typeof MAYBE | typeof YES;

const MAX_WORDS = 32;

interface PatternWord {
  regex: RegExp;
  /** The word when it has no wildcard: what a glob or unknown word could be expanded into. */
  literal: string | null;
}

export interface CommandPattern {
  words: PatternWord[];
  /** A last `*`: any further arguments. */
  rest: boolean;
}

/** Compiles a pattern, or says why it is not one. */
export function compileCommandPattern(text: string): CommandPattern | string {
  const parsed = plainWords(text, true);
  if (typeof parsed === 'string') return `is not a command pattern: ${parsed}`;
  if (parsed.length === 0) return 'is an empty command pattern';
  if (parsed.length > MAX_WORDS) return `has more than ${MAX_WORDS} words`;
  const last = parsed[parsed.length - 1]!;
  const rest = last.kind === 'glob' && last.text === '*';
  const words = rest && parsed.length > 1 ? parsed.slice(0, -1) : parsed;
  try {
    return { words: words.map((word, index) => patternWord(word, index === 0)), rest };
  } catch {
    return 'has a [...] class that is not a valid range';
  }
}

function patternWord(word: Word, isProgram: boolean): PatternWord {
  const text = isProgram ? programName(word.text) : word.text;
  if (word.kind === 'literal') return { regex: new RegExp(`^${escape(text)}$`), literal: text };
  return { regex: globRegExp(text), literal: null };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** What a glob or unknown word could stand for, as a regex; null: anything. */
const templates = new Map<string, RegExp | null>();

function template(word: Word): RegExp | null {
  const key = `${word.kind}:${word.text}`;
  if (!templates.has(key)) {
    if (templates.size > 10_000) templates.clear();
    let regex: RegExp | null = null;
    try {
      regex = BRACE_EXPANSION.test(word.text) ? null : globRegExp(word.text, SENTINELS);
    } catch {
      regex = null;
    }
    templates.set(key, regex);
  }
  return templates.get(key)!;
}

/** Whether the word could be expanded into something the pattern word matches. */
function couldMatch(pattern: PatternWord, word: Word): boolean {
  if (pattern.literal === null) return true;
  const regex = template(word);
  return regex === null || regex.test(pattern.literal);
}

/** The program word as compared: its last path segment, unless the directory part could change the name. */
function programWord(word: Word): Word {
  if (word.kind === 'unknown' && BRACE_EXPANSION.test(word.text)) return word;
  const name = programName(word.text);
  return word.kind === 'glob' ? classify(name, true) : classify(name);
}

function wordMatch(pattern: PatternWord, word: Word, isProgram: boolean): Match {
  const subject = isProgram ? programWord(word) : word;
  if (subject.kind !== 'unknown' && pattern.regex.test(subject.text)) return YES;
  if (subject.kind === 'literal') return NO;
  return couldMatch(pattern, subject) ? MAYBE : NO;
}

const min = (a: Match, b: Match): Match => (a < b ? a : b);

/**
 * Whether the pattern matches the command. Dynamic programming over (argument, pattern word), from the end: a
 * literal word takes one pattern word, a glob one or more, an unknown word any number (none included).
 */
export function matchPattern(pattern: CommandPattern, command: SimpleCommand): Match {
  const { argv, openEnded } = command;
  const m = pattern.words.length;
  const p = pattern.words;
  let next = new Uint8Array(m + 1);
  for (let j = 0; j < m; j += 1) next[j] = openEnded ? MAYBE : NO;
  next[m] = YES;
  for (let i = argv.length - 1; i >= 0; i -= 1) {
    const word = argv[i]!;
    const row = new Uint8Array(m + 1);
    row[m] = pattern.rest ? YES : word.kind === 'unknown' ? min(MAYBE, next[m] as Match) : NO;
    for (let j = m - 1; j >= 0; j -= 1) {
      let best: Match = word.kind === 'unknown' ? min(MAYBE, next[j] as Match) : NO;
      const first = wordMatch(p[j]!, word, j === 0);
      best = Math.max(best, min(first, next[j + 1] as Match)) as Match;
      // A glob expands into one or more names, each matching it; an unknown word into any words at all.
      if (word.kind === 'glob' && first !== NO) {
        for (let k = j + 1; k < m && couldMatch(p[k]!, word); k += 1) best = Math.max(best, min(MAYBE, next[k + 1] as Match)) as Match;
      } else if (word.kind === 'unknown') {
        for (let k = j + 1; k < m; k += 1) best = Math.max(best, min(MAYBE, next[k + 1] as Match)) as Match;
      }
      row[j] = best;
    }
    next = row;
  }
  return next[0] as Match;
}
