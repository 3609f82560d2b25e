/**
 * The first pass over a shell command line, before shell-quote splits it into words and operators. shell-quote knows
 * quoting, variables and operators but not what a policy check must also see, so this pass:
 * - pulls out every command substitution (`$(…)`, backticks, `<(…)`, `>(…)`, also inside double quotes and
 *   here-documents) as a nested line of its own — it runs too — and leaves SUBST in its place;
 * - turns unquoted newlines into `;` (shell-quote would glue two lines into one command), drops comments and
 *   line continuations, and drops the fd number of a redirection (`2>&1`: the 2 is no argument);
 * - skips here-document bodies (data, except the substitutions of an unquoted one);
 * - reports what it cannot read (an unterminated quote, substitution or here-document; nesting past MAX_DEPTH), so
 *   the caller fails closed instead of guessing.
 */

/** Stands for the output of a command substitution: any text, any number of words. */
export const SUBST = '\uE000';
/** Stands for the value of a variable (shell-quote's env callback returns it). */
export const UNKNOWN = '\uE001';
export const MAX_DEPTH = 16;

export interface ScannedLine {
  /** The line for shell-quote: substitutions replaced by SUBST, newlines by `;`. */
  text: string;
  /** The command lines that run inside it (substitutions), scanned the same way. */
  subs: ScannedLine[];
  /** What could not be read; empty when the whole line was understood. */
  problems: string[];
}

interface Heredoc {
  delimiter: string;
  stripTabs: boolean;
  quoted: boolean;
}

const WORD_BREAK = /[\s;&|()<>]/;

class Scanner {
  private i = 0;
  private out = '';
  private readonly subs: ScannedLine[] = [];
  private readonly problems: string[] = [];
  private readonly heredocs: Heredoc[] = [];

  constructor(
    private readonly src: string,
    private readonly depth: number,
    start = 0,
    /** Inside `$(( … ))`, where `<<` shifts bits. */
    private readonly arithmetic = false,
  ) {
    this.i = start;
  }

  /** Scans to the end, or to the `)` that closes a `$(` (until = ')'), returning the line and where it stopped. */
  run(until?: ')'): { line: ScannedLine; end: number } {
    const { src } = this;
    let parens = 0;
    while (this.i < src.length) {
      const c = src[this.i]!;
      const next = src[this.i + 1];
      if (until && c === ')' && parens === 0) return { line: this.result(), end: this.i + 1 };
      if (c === '\\') {
        if (next === '\n') this.i += 2;
        else this.emit(src.slice(this.i, this.i + 2));
      } else if (c === "'") this.singleQuoted();
      else if (c === '"') this.doubleQuoted();
      else if (c === '$' && next === "'") this.ansiC();
      else if (c === '$' && next === '"') this.i += 1;
      else if (c === '$' && next === '(') this.substitution(2);
      else if (c === '`') this.backticks();
      else if ((c === '<' || c === '>') && next === '(') this.substitution(2);
      else if (c === '<' && next === '<' && src[this.i + 2] === '<') this.emit('<<<');
      else if (c === '<' && next === '<' && !this.arithmetic) this.heredocStart();
      else if (c === '\n') this.newline();
      else if (c === '#' && this.atWordStart()) this.i = lineEnd(src, this.i);
      else if (/\d/.test(c) && this.atWordStart() && /^\d{1,9}[<>]/.test(src.slice(this.i, this.i + 10))) {
        this.i += /^\d+/.exec(src.slice(this.i, this.i + 10))![0].length;
      }
      else {
        if (until && c === '(') parens += 1;
        if (until && c === ')') parens -= 1;
        this.emit(c);
      }
    }
    if (until) this.problems.push('a $( … ) is not closed');
    if (this.heredocs.length > 0) this.problems.push(`a here-document (<<${this.heredocs[0]!.delimiter}) has no body`);
    return { line: this.result(), end: this.i };
  }

  private result(): ScannedLine {
    return { text: this.out, subs: this.subs, problems: this.problems };
  }

  private emit(text: string): void {
    this.out += text;
    this.i += text.length;
  }

  private atWordStart(): boolean {
    return this.out === '' || WORD_BREAK.test(this.out[this.out.length - 1]!);
  }

  private singleQuoted(): void {
    const close = this.src.indexOf("'", this.i + 1);
    if (close < 0) {
      this.problems.push('a single quote is not closed');
      this.emit(this.src.slice(this.i));
    } else this.emit(this.src.slice(this.i, close + 1));
  }

  private ansiC(): void {
    const match = /^\$'(?:\\[\s\S]|[^\\'])*'/.exec(this.src.slice(this.i));
    if (!match) {
      this.problems.push("a $' quote is not closed");
      this.emit(this.src.slice(this.i));
    } else this.emit(match[0]);
  }

  private doubleQuoted(): void {
    const { src } = this;
    this.emit('"');
    while (this.i < src.length) {
      const c = src[this.i]!;
      if (c === '"') return this.emit('"');
      if (c === '\\' && src[this.i + 1] === '\n') this.i += 2;
      else if (c === '\\') this.emit(src.slice(this.i, this.i + 2));
      else if (c === '$' && src[this.i + 1] === '(') this.substitution(2);
      else if (c === '`') this.backticks();
      else this.emit(c);
    }
    this.problems.push('a double quote is not closed');
  }

  /** `$(…)`, `<(…)`, `>(…)` starting at this.i (`skip` characters of opener): scanned in place, to its `)`. */
  private substitution(skip: number): void {
    if (this.depth >= MAX_DEPTH) {
      this.problems.push(`substitutions are nested deeper than ${MAX_DEPTH}`);
      this.i = this.src.length;
      return;
    }
    const inner = new Scanner(this.src, this.depth + 1, this.i + skip, this.src.startsWith('$((', this.i));
    const { line, end } = inner.run(')');
    this.subs.push(line);
    this.out += SUBST;
    this.i = end;
  }

  private backticks(): void {
    const match = /^`((?:\\[\s\S]|[^\\`])*)`/.exec(this.src.slice(this.i));
    if (!match) {
      this.problems.push('a backtick is not closed');
      this.i = this.src.length;
      return;
    }
    const body = match[1]!.replace(/\\([\\`$])/g, '$1');
    this.subs.push(this.depth >= MAX_DEPTH ? tooDeep() : scanShell(body, this.depth + 1));
    this.out += SUBST;
    this.i += match[0].length;
  }

  private heredocStart(): void {
    const { src } = this;
    const stripTabs = src[this.i + 2] === '-';
    this.emit(stripTabs ? '<<-' : '<<');
    while (src[this.i] === ' ' || src[this.i] === '\t') this.emit(src[this.i]!);
    const word = /^(?:[^\s;&|()<>'"\\]|\\.|'[^']*'|"(?:\\.|[^"\\])*")+/.exec(src.slice(this.i))?.[0];
    if (!word) {
      this.problems.push('a here-document (<<) has no delimiter');
      return;
    }
    const delimiter = word.replace(/\\(.)/g, '$1').replace(/['"]/g, '');
    this.heredocs.push({ delimiter, stripTabs, quoted: /['"\\]/.test(word) });
    this.emit(word);
  }

  /** An unquoted newline ends a command; the bodies of here-documents opened on this line follow it. */
  private newline(): void {
    this.emit(';');
    for (const doc of this.heredocs.splice(0)) {
      const start = this.i;
      let closed = false;
      while (this.i < this.src.length) {
        const end = lineEnd(this.src, this.i);
        const line = this.src.slice(this.i, end);
        this.i = Math.min(end + 1, this.src.length);
        if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
          closed = true;
          break;
        }
      }
      if (!closed) this.problems.push(`a here-document is not closed by a line ${doc.delimiter}`);
      if (!doc.quoted) this.subs.push(...new Scanner(this.src.slice(start, this.i), this.depth).heredocBody());
    }
  }

  /** The substitutions in an unquoted here-document body, where quotes are plain text. */
  private heredocBody(): ScannedLine[] {
    while (this.i < this.src.length) {
      const c = this.src[this.i];
      if (c === '\\') this.i += 2;
      else if (c === '$' && this.src[this.i + 1] === '(') this.substitution(2);
      else if (c === '`') this.backticks();
      else this.i += 1;
    }
    return this.problems.length > 0 ? [...this.subs, { text: '', subs: [], problems: this.problems }] : this.subs;
  }
}

function lineEnd(src: string, from: number): number {
  const end = src.indexOf('\n', from);
  return end < 0 ? src.length : end;
}

function tooDeep(): ScannedLine {
  return { text: '', subs: [], problems: [`substitutions are nested deeper than ${MAX_DEPTH}`] };
}

/** Scans one command line (see the file header). */
export function scanShell(line: string, depth = 0): ScannedLine {
  return new Scanner(line, depth).run().line;
}
