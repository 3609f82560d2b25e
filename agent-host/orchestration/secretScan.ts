/**
 * Secret scan of the diff a checkpoint asks a human to approve. Only the lines the agent ADDED are scanned: a secret
 * already in the repository (a context line) or one the agent removed is not the agent's doing.
 *
 * Hand-rolled, not a library: the npm secret scanners are CLIs around a binary or a Python tool (gitleaks,
 * detect-secrets), and secretlint, the one pure-JS engine, is async and file-oriented, has no Stripe, JWT, Google API
 * key or entropy-gated generic rule, and writes the raw secret into its messages. The token shapes come from
 * common/security/secretShapes (the one definition audit redaction uses too); the rules only a diff review needs are
 * added here, modelled on gitleaks' defaults.
 */
import { findSecrets } from '../../common/security/secretShapes';

export interface SecretFinding {
  /** Path in the new tree. */
  file: string;
  /** 1-based line number in the new file. */
  line: number;
  /** Stable rule id, e.g. 'aws-access-key-id'. */
  rule: string;
  description: string;
  /** The added line with every secret on it masked, at most MAX_EXCERPT_CHARS long. */
  excerpt: string;
}

/** A reviewer reads findings one by one: past this many the diff needs a different conversation anyway. */
export const MAX_SECRET_FINDINGS = 200;
export const MAX_EXCERPT_CHARS = 200;
/** An added line carrying this is skipped: the opt-out is in the diff, so the reviewer sees it too. */
export const ALLOW_SECRET_MARKER = 'flightdeck:allow-secret';

/** Bits per character above which an assigned value looks random rather than chosen: gitleaks' generic-api-key bar. */
const MIN_ENTROPY = 3.5;
/** How much of the line before a secret a long excerpt keeps, so the reader sees what it is assigned to. */
const EXCERPT_LEAD = 40;

interface Rule {
  id: string;
  description: string;
  /** False when the matched text only looks like a secret. */
  accept?: (value: string) => boolean;
}

interface Hit {
  rule: Rule;
  start: number;
  end: number;
}

function shannonEntropy(value: string): number {
  const chars = [...value];
  const counts = new Map<string, number>();
  for (const char of chars) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const share = count / chars.length;
    bits -= share * Math.log2(share);
  }
  return bits;
}

/** Values that stand for a secret in docs, templates and config examples instead of being one. */
function isPlaceholder(value: string): boolean {
  return (
    /^(?:pass(?:word|wd)?|secret|token|changeme|dummy|test|example|redacted|null|none|undefined)$/i.test(value) ||
    /changeme|placeholder|your[-_ ]|x{4,}|\*{3,}|\.{3}|[<>]|\$\{|\{\{|^\$\w+$|^%\w+%$|process\.env|os\.environ|getenv/i.test(
      value,
    )
  );
}

/** Unquoted, an identifier or a member chain is code that reads the secret (config.token, accessToken), not it. */
const CODE_REFERENCE = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$|^[A-Za-z_$]+$/;

/** A literal that is neither a placeholder nor code, and random enough to be a key rather than a word. */
function isLiteralSecret(raw: string): boolean {
  const quoted = /^(["'`]).*\1$/.test(raw);
  const value = quoted ? raw.slice(1, -1) : raw;
  if (isPlaceholder(value) || (!quoted && CODE_REFERENCE.test(value))) return false;
  return shannonEntropy(value) >= MIN_ENTROPY;
}

/** An Authorization value runs to the end of the line: only a scheme then one token-shaped literal counts (not prose). */
function isLiteralCredential(raw: string): boolean {
  const credential = /^(?:(?:bearer|basic|token|digest)[ \t]+)?([\w.~+/=-]{8,})(?=[\s"'`\\;,)]|$)/i.exec(raw)?.[1];
  return credential !== undefined && isLiteralSecret(credential);
}

const isRandom = (value: string) => shannonEntropy(value) >= MIN_ENTROPY;

/** Three base64url parts whose first decodes to a JSON header naming its algorithm. */
function isJwt(text: string): boolean {
  const header = /eyJ[\w-]+(?=\.[\w-]+\.[\w-]+)/.exec(text)?.[0];
  if (!header) return false;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null && typeof (decoded as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

const rule = (id: string, description: string, accept?: Rule['accept']): Rule => ({ id, description, accept });

const GENERIC = rule('generic-secret', 'High-entropy value assigned to a password, secret, token or API key', isLiteralSecret);

/** secretShapes' kinds as a reviewer sees them, with the extra check a match must pass in a diff. */
const SHAPE_RULES: Record<string, Rule> = {
  'private-key': rule('private-key', 'Private key block'),
  jwt: rule('jwt', 'JSON Web Token', isJwt),
  'anthropic-key': rule('anthropic-api-key', 'Anthropic API key'),
  'openai-key': rule('openai-api-key', 'OpenAI API key'),
  'github-token': rule('github-token', 'GitHub token'),
  'gitlab-token': rule('gitlab-token', 'GitLab personal access token'),
  'slack-token': rule('slack-token', 'Slack token'),
  'aws-access-key': rule('aws-access-key-id', 'AWS access key ID'),
  'google-api-key': rule('google-api-key', 'Google API key'),
  authorization: rule('authorization-header', 'HTTP Authorization header with a literal credential', isLiteralCredential),
  password: GENERIC,
  token: GENERIC,
  secret: GENERIC,
};

interface Shape {
  rule: Rule;
  /** Global, with indices; a group named `value` is the secret, else the whole match. */
  pattern: RegExp;
}

/**
 * Shapes secretShapes lacks. Quantifiers before the secret are bounded or anchored at the start of a run, so a long
 * minified line is scanned in linear time.
 */
const SPECIFIC_SHAPES: Shape[] = [
  {
    rule: rule('aws-secret-access-key', 'AWS secret access key', isRandom),
    pattern:
      /(?:aws|secret[_-]?access)[\w.-]{0,30}?["']?[ \t]*(?::=|=>|[:=])[ \t]*["'`]?(?<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
  },
  {
    rule: rule('stripe-live-key', 'Stripe live secret or restricted key'),
    pattern: /(?<![A-Za-z0-9_])[sr]k_live_[A-Za-z0-9]{16,}/dg,
  },
  {
    rule: rule('slack-webhook', 'Slack webhook URL'),
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<value>[A-Za-z0-9+/_-]{20,})/dg,
  },
];

/** Last in precedence: a token used as a URL's password is reported under the token's own, more telling rule. */
const URL_CREDENTIALS: Shape = {
  rule: rule('url-credentials', 'Password embedded in a URL', (value) => !isPlaceholder(value)),
  pattern: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/:@'"`]+:(?<value>[^\s/@'"`]+)@[^\s/@'"`]/dg,
};

function shapeHits(text: string, shapes: Shape[]): Hit[] {
  return shapes.flatMap((shape) =>
    [...text.matchAll(shape.pattern)].flatMap((match) => {
      const span = match.indices?.groups?.value ?? match.indices?.[0];
      return span ? [{ rule: shape.rule, start: span[0], end: span[1] }] : [];
    }),
  );
}

/** The secret proper within a hit: inside enclosing quotes, after an auth scheme word, which are no secret. */
function narrowed(text: string, hit: Hit): Hit {
  let { start, end } = hit;
  const first = text[start];
  if (end - start >= 2 && first !== undefined && /["'`]/.test(first) && text[end - 1] === first) {
    start++;
    end--;
  }
  start += /^(?:bearer|basic|token|digest)[ \t]+/i.exec(text.slice(start, end))?.[0].length ?? 0;
  return { ...hit, start, end };
}

/** Every secret on one added line, in order, each span reported once under its most specific rule. */
function findInLine(text: string): Hit[] {
  const fromShapes = findSecrets(text).map(({ kind, start, end }) => ({
    // A shape added to secretShapes later is still reported, under its own kind, until it gets a rule here.
    rule: SHAPE_RULES[kind] ?? rule(kind, `Secret-shaped value (${kind})`),
    start,
    end,
  }));
  const candidates = [...shapeHits(text, SPECIFIC_SHAPES), ...fromShapes, ...shapeHits(text, [URL_CREDENTIALS])];
  const accepted: Hit[] = [];
  for (const hit of candidates) {
    // Gates see the raw span: whether a value was quoted tells a literal from a code reference.
    if (hit.rule.accept && !hit.rule.accept(text.slice(hit.start, hit.end))) continue;
    if (accepted.some((other) => hit.start < other.end && other.start < hit.end)) continue;
    accepted.push(narrowed(text, hit));
  }
  return accepted.sort((a, b) => a.start - b.start);
}

/** First characters and length only; never more than a quarter shown, so a short password is not half given away. */
function mask(secret: string): string {
  const shown = Math.min(4, Math.floor(secret.length / 4));
  return `${secret.slice(0, shown)}…(${secret.length} chars)`;
}

/** The line with all its secrets masked (not only `focus`), cut to a window around `focus` when too long. */
function excerpt(text: string, hits: Hit[], focus: Hit): string {
  let masked = '';
  let focusAt = 0;
  let at = 0;
  for (const hit of hits) {
    masked += text.slice(at, hit.start);
    if (hit === focus) focusAt = masked.length;
    masked += mask(text.slice(hit.start, hit.end));
    at = hit.end;
  }
  masked += text.slice(at);
  const line = masked.trimStart();
  if (line.length <= MAX_EXCERPT_CHARS) return line;
  focusAt -= masked.length - line.length;
  // Two characters are kept for the '…' that mark a cut at either end.
  const width = MAX_EXCERPT_CHARS - 2;
  const start = Math.max(0, Math.min(focusAt - EXCERPT_LEAD, line.length - width));
  const end = start + width;
  return `${start > 0 ? '…' : ''}${line.slice(start, end)}${end < line.length ? '…' : ''}`;
}

interface AddedLine {
  file: string;
  line: number;
  text: string;
}

/** The lines a unified git diff adds, with the path and line number they have in the new tree. */
function* addedLines(patch: string): Generator<AddedLine> {
  let file = '';
  let newLine = 0;
  // Lines the current hunk still holds on each side; counting them is what tells an added "++x" from a "+++" header.
  let oldLeft = 0;
  let newLeft = 0;
  for (const raw of patch.split('\n')) {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const mark = text[0];
    if ((oldLeft > 0 || newLeft > 0) && (mark === undefined || ' +-\\'.includes(mark))) {
      if (mark === '+') {
        yield { file, line: newLine, text: text.slice(1) };
        newLine++;
        newLeft--;
      } else if (mark === '-') {
        oldLeft--;
      } else if (mark !== '\\') {
        // Context; an empty line is context whose leading space was stripped. '\' is "No newline at end of file".
        newLine++;
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    oldLeft = newLeft = 0;
    const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(text);
    if (hunk) {
      oldLeft = Number(hunk[1] ?? 1);
      newLine = Number(hunk[2]);
      newLeft = Number(hunk[3] ?? 1);
    } else if (text.startsWith('diff --git ')) {
      const at = text.lastIndexOf(' b/');
      file = at >= 0 ? text.slice(at + 3) : '';
    } else if (text.startsWith('+++ ') && !text.startsWith('+++ /dev/null')) {
      file = text
        .slice(4)
        .replace(/\t.*$/, '')
        .replace(/^"(.*)"$/, '$1')
        .replace(/^b\//, '');
    }
  }
}

/** Secrets on the lines `patch` adds, in diff order, at most MAX_SECRET_FINDINGS; lines with the allow marker skipped. */
export function scanDiff(patch: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const added of addedLines(patch)) {
    if (added.text.includes(ALLOW_SECRET_MARKER)) continue;
    const hits = findInLine(added.text);
    for (const hit of hits) {
      findings.push({
        file: added.file,
        line: added.line,
        rule: hit.rule.id,
        description: hit.rule.description,
        excerpt: excerpt(added.text, hits, hit),
      });
      if (findings.length === MAX_SECRET_FINDINGS) return findings;
    }
  }
  return findings;
}

/** How many secrets scanDiff skipped for the allow marker: shown beside the findings so an opt-out is never silent. */
export function countAllowed(patch: string): number {
  let allowed = 0;
  for (const added of addedLines(patch)) {
    if (added.text.includes(ALLOW_SECRET_MARKER)) allowed += findInLine(added.text).length;
  }
  return allowed;
}
