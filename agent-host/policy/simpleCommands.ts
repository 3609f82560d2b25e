import { innerCommands } from './commandWrappers';
import { MAX_DEPTH, scanShell, type ScannedLine } from './shellScan';
import { segmentsOf, type Word } from './shellWords';

/**
 * Every simple command a shell command line may run, for the policy to check each: the commands between control
 * operators, those inside substitutions (`$(git push)`, backticks), those inside wrappers (`sudo git push`,
 * `bash -c 'git push'`, `xargs rm`, `find -exec`), with leading `VAR=value` assignments and shell keywords
 * (`if`, `then`, `do`, `!`, `{` …) taken off. A wrapped command is listed both as written (so `sudo *` matches) and
 * unwrapped. `unclear` lists what could not be understood: a caller fails closed on it.
 */

export interface SimpleCommand {
  argv: Word[];
  /** More unknown arguments are appended when it runs (xargs). */
  openEnded: boolean;
}

export interface CommandLineAnalysis {
  commands: SimpleCommand[];
  unclear: string[];
}

/** Words that start a compound command or separate its parts; the command proper follows them. */
const KEYWORDS = new Set(['!', '{', '}', 'if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'esac', 'coproc']);
/** Headers whose words are not run (`for x in a b`, `case $x in`, `select x in …`). */
const HEADERS = new Set(['for', 'case', 'select']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/;

export function analyzeCommandLine(line: string): CommandLineAnalysis {
  const analysis: CommandLineAnalysis = { commands: [], unclear: [] };
  addLine(scanShell(line), 0, analysis);
  return analysis;
}

function addLine(scanned: ScannedLine, depth: number, analysis: CommandLineAnalysis): void {
  analysis.unclear.push(...scanned.problems);
  const { segments, problems } = segmentsOf(scanned.text);
  analysis.unclear.push(...problems);
  for (const words of segments) addCommand(words, false, depth, analysis);
  for (const sub of scanned.subs) addLine(sub, depth + 1, analysis);
}

function addCommand(words: readonly Word[], openEnded: boolean, depth: number, analysis: CommandLineAnalysis): void {
  if (depth > MAX_DEPTH) {
    analysis.unclear.push(`commands are nested deeper than ${MAX_DEPTH}`);
    return;
  }
  const argv = commandProper(words);
  if (argv.length === 0) return;
  analysis.commands.push({ argv, openEnded });
  for (const inner of innerCommands(argv)) {
    if (inner.unclear) analysis.unclear.push(inner.unclear);
    if (inner.line !== undefined) addLine(scanShell(inner.line, depth + 1), depth + 1, analysis);
    if (inner.argv) addCommand(inner.argv, openEnded || inner.openEnded === true, depth + 1, analysis);
  }
}

/** The words from the program on: keywords, `function name` and assignments taken off; nothing for a header. */
function commandProper(words: readonly Word[]): Word[] {
  let i = 0;
  while (i < words.length) {
    const word = words[i]!;
    if (word.kind === 'literal' && HEADERS.has(word.text)) return [];
    if (word.kind === 'literal' && KEYWORDS.has(word.text)) i += 1;
    else if (word.kind === 'literal' && word.text === 'function') i += 2;
    else if (ASSIGNMENT.test(word.text)) i += 1;
    else break;
  }
  return words.slice(i);
}
