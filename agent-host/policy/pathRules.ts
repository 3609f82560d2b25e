import { homedir } from 'node:os';
import { posix } from 'node:path';
import picomatch from 'picomatch';
import type { EffectivePolicy, SourcedString } from '../../common/protocol/policy';

/**
 * Path rules of a policy: `paths.write` and `paths.deny_read` (absolute or `~/` globs) and `protected_paths` (globs
 * relative to the repo root). An entry covers what its glob matches AND everything below it, so `~/.ssh` hides
 * `~/.ssh/id_ed25519` and `/data/cache` makes the whole cache writable. `*` does not cross `/`, `**` does; dot files
 * match like any other (a hidden file is no less secret). Matching is lexical: the sandbox, not this module, deals
 * with symbolic links.
 */

const SUBTREE = '/**';

/** Why an absolute-path entry is not acceptable, or undefined when it is. */
export function absoluteEntryProblem(entry: string): string | undefined {
  if (entry.includes('\0')) return 'contains a NUL character';
  if (entry !== '~' && !entry.startsWith('/') && !entry.startsWith('~/')) return 'must be an absolute path or start with ~/';
  return segmentProblem(entry);
}

/** Why a repo-relative entry (protected_paths) is not acceptable, or undefined when it is. */
export function relativeEntryProblem(entry: string): string | undefined {
  if (entry.includes('\0')) return 'contains a NUL character';
  if (entry.startsWith('/') || entry.startsWith('~')) return 'must be relative to the repo root (no leading / or ~)';
  return segmentProblem(entry);
}

function segmentProblem(entry: string): string | undefined {
  const segments = entry.replace(/^\/|\/$/g, '').split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) return 'may not contain . or .. segments';
  if (entry !== '/' && segments.some((segment) => segment === '')) return 'may not contain an empty segment (//)';
  return undefined;
}

/** `~` and `~/x` become the home directory and a path below it; a trailing / is dropped. */
export function expandHome(entry: string, home: string): string {
  const expanded = entry === '~' ? home : entry.startsWith('~/') ? `${home.replace(/\/$/, '')}${entry.slice(1)}` : entry;
  return expanded.length > 1 ? expanded.replace(/\/+$/, '') : expanded;
}

/** The literal directory a glob entry starts from (`/data/x/*.log` → `/data/x`): what a sandbox can bind or hide. */
export function literalBase(entry: string, home: string = homedir()): string {
  const expanded = expandHome(entry, home);
  const scan = picomatch.scan(expanded);
  return scan.isGlob ? scan.base || '/' : expanded;
}

/** A matcher for an entry and everything below it. */
function subtreeMatcher(glob: string): (path: string) => boolean {
  const patterns = glob.endsWith(SUBTREE) || glob === '**' ? [glob] : [glob, `${glob === '/' ? '' : glob}${SUBTREE}`];
  return picomatch(patterns, { dot: true });
}

/**
 * Whether the wider entry covers everything the narrower one may name (both after `~` expansion). When that cannot
 * be shown — e.g. two different globs — the answer is no: a repo policy is refused rather than trusted.
 */
export function pathCovers(wider: string, narrower: string, home: string = homedir()): boolean {
  const w = expandHome(wider, home);
  const n = expandHome(narrower, home);
  if (w === n) return true;
  const narrowScan = picomatch.scan(n);
  if (!narrowScan.isGlob) return subtreeMatcher(w)(n);
  const subtreeRoot = literalSubtreeRoot(w);
  if (subtreeRoot === undefined) return false;
  const base = narrowScan.base || '/';
  return subtreeRoot === '/' || base === subtreeRoot || base.startsWith(`${subtreeRoot}/`);
}

/** `/data` or `/data/**` → `/data` (everything below is covered); another glob → undefined. */
function literalSubtreeRoot(entry: string): string | undefined {
  const root = entry.endsWith(SUBTREE) ? entry.slice(0, -SUBTREE.length) || '/' : entry;
  return picomatch.scan(root).isGlob ? undefined : root;
}

export type PathRuleMatcher = (path: string) => SourcedString | undefined;

/** The first rule whose entry covers an absolute path (normalized first; a relative path is a caller's bug). */
export function absolutePathMatcher(rules: readonly SourcedString[], home: string = homedir()): PathRuleMatcher {
  const compiled = rules.map((rule) => ({ rule, test: subtreeMatcher(expandHome(rule.value, home)) }));
  return (path) => {
    if (!path.startsWith('/')) throw new TypeError(`path rules match absolute paths only, not ${JSON.stringify(path)}`);
    const normalized = posix.normalize(path).replace(/(.)\/+$/, '$1');
    return compiled.find(({ test }) => test(normalized))?.rule;
  };
}

export interface PathMatchers {
  /** The paths.write rule that makes this path writable (beyond the worktree and temp dir), if any. */
  writable: PathRuleMatcher;
  /** The paths.deny_read rule (built-in ones included) that hides this path, if any. */
  denyRead: PathRuleMatcher;
}

export function pathMatchers(policy: EffectivePolicy, home: string = homedir()): PathMatchers {
  return {
    writable: absolutePathMatcher(policy.paths.write, home),
    denyRead: absolutePathMatcher(policy.paths.deny_read, home),
  };
}

/** The protected_paths rule covering a path relative to the repo root (`src/auth/x.ts`, `./a` or `a/` alike). */
export function protectedPathsMatcher(policy: EffectivePolicy): PathRuleMatcher {
  const compiled = policy.protected_paths.map((rule) => ({ rule, test: subtreeMatcher(rule.value.replace(/\/+$/, '')) }));
  return (path) => {
    const normalized = posix.normalize(path).replace(/^(\.\/)+/, '').replace(/(.)\/+$/, '$1');
    if (normalized.startsWith('/') || normalized === '..' || normalized.startsWith('../')) {
      throw new TypeError(`protected paths match paths inside the repo only, not ${JSON.stringify(path)}`);
    }
    return compiled.find(({ test }) => test(normalized))?.rule;
  };
}
