import { readdirSync, statSync } from 'node:fs';
import { join, parse, sep } from 'node:path';

const escapeRegExp = (text: string): string => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** OpenSSH's match_pattern: `*` is any run of characters, `?` exactly one; everything else is literal. */
export function matchPattern(pattern: string, text: string): boolean {
  const source = [...pattern].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : escapeRegExp(char))).join('');
  return new RegExp(`^${source}$`, 's').test(text);
}

/**
 * OpenSSH's match_pattern_list, as Match criteria use it: comma-separated patterns, a matching "!pattern"
 * vetoes the whole list. `ignoreCase` is match_hostname (host names compare case-insensitively).
 */
export function matchPatternList(list: string, text: string, ignoreCase: boolean): boolean {
  const subject = ignoreCase ? text.toLowerCase() : text;
  let matched = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!matchPattern(ignoreCase ? pattern.toLowerCase() : pattern, subject)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** A `Host` line: whitespace-separated patterns (not comma lists), case-sensitive, any matching "!pattern" vetoes. */
export function hostLineMatches(patterns: string[], host: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    if (!matchPattern(negated ? raw.slice(1) : raw, host)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** One path component of a glob(3) pattern (`*`, `?`, `[...]`; a leading dot must be matched literally). */
function componentRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    const classEnd = char === '[' ? glob.indexOf(']', index + 2) : -1;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (classEnd > 0) {
      const body = glob.slice(index + 1, classEnd).replace(/[\\\]]/g, '\\$&');
      source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      index = classEnd;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 's');
}

const hasGlob = (text: string): boolean => /[*?[]/.test(text);

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The files an absolute `Include` pattern names, in lexical order, as glob(3) finds them. Hand-written: the
 * runtime dependencies have no glob library, and Include needs only per-component `*`, `?` and `[...]`.
 */
export function globFiles(pattern: string): string[] {
  const { root } = parse(pattern);
  const components = pattern.slice(root.length).split(sep === '\\' ? /[\\/]+/ : /\/+/).filter(Boolean);
  let candidates = [root];
  for (const component of components) {
    if (!hasGlob(component)) {
      candidates = candidates.map((dir) => join(dir, component));
      continue;
    }
    const regExp = componentRegExp(component);
    const literalDot = component.startsWith('.');
    candidates = candidates.flatMap((dir) =>
      listDir(dir)
        .filter((name) => (literalDot || !name.startsWith('.')) && regExp.test(name))
        .map((name) => join(dir, name)),
    );
  }
  return candidates.filter(isFile).sort();
}
