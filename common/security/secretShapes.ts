/**
 * Shapes of secrets that must never be stored in clear (audit records, journals scanned later): provider API
 * keys and tokens, JWTs, PEM private keys, HTTP authorization header values and `password=`-style assignments.
 * Pure: no Node, no DOM, so the host, the app and any scanner share one definition.
 */

export interface SecretMatch {
  /** What was found, e.g. "github-token"; named in the redaction marker. */
  kind: string;
  /** The secret's span in the text (for headers and assignments: the value only, not the name). */
  start: number;
  end: number;
}

interface Shape {
  kind: string | ((name: string) => string);
  /** Global, with indices; when it has a group named `value`, only that group is the secret. */
  pattern: RegExp;
  /** Matches that only look like a secret (a placeholder, a variable, a function call). */
  reject?: (value: string, after: string) => boolean;
}

const NOT_KEY_CHAR = '(?<![A-Za-z0-9_-])';

/** A random key mixes letters and digits; a hyphenated word that starts with "sk-" does not. */
const notRandom = (value: string) => !/\d/.test(value) || !/[A-Za-z]/.test(value);

/** Values that stand for a secret without being one. */
function placeholder(value: string, after: string): boolean {
  const bare = value.replace(/^["']|["']$/g, '');
  return (
    bare === '' ||
    after === '(' ||
    bare.startsWith('«redacted:') ||
    /^(\$\{?\w+\}?|%\w+%|<.*|\*+|x+|null|none|true|false|undefined)$/i.test(bare)
  );
}

function assignedKind(name: string): string {
  if (/pass/i.test(name)) return 'password';
  if (/token/i.test(name)) return 'token';
  return 'secret';
}

/** Earlier shapes are more specific: when matches overlap, the union is redacted under the earliest kind. */
const SHAPES: Shape[] = [
  {
    kind: 'private-key',
    // A key cut off by the end of the text (a truncated paste) is still a key: up to the end then.
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/dg,
  },
  { kind: 'jwt', pattern: new RegExp(`${NOT_KEY_CHAR}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}`, 'dg') },
  { kind: 'anthropic-key', pattern: new RegExp(`${NOT_KEY_CHAR}sk-ant-[A-Za-z0-9_-]{20,}`, 'dg') },
  {
    kind: 'openai-key',
    pattern: new RegExp(`${NOT_KEY_CHAR}sk-(?!ant-)(?:proj-|svcacct-|admin-)?(?<value>[A-Za-z0-9_-]{20,})`, 'dg'),
    reject: notRandom,
  },
  { kind: 'github-token', pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/dg },
  { kind: 'gitlab-token', pattern: new RegExp(`${NOT_KEY_CHAR}glpat-[A-Za-z0-9_-]{20,}`, 'dg') },
  { kind: 'slack-token', pattern: new RegExp(`${NOT_KEY_CHAR}xox[abposr]-[A-Za-z0-9-]{10,}`, 'dg') },
  { kind: 'aws-access-key', pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/dg },
  { kind: 'google-api-key', pattern: new RegExp(`${NOT_KEY_CHAR}AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])`, 'dg') },
  {
    kind: 'authorization',
    // The value up to the end of the line or a closing quote (curl -H "Authorization: Bearer …" https://…).
    pattern: /(?<![A-Za-z0-9-])(?:proxy-)?authorization["']?[ \t]*:[ \t]*["']?(?<value>[^\s"'][^\r\n"']*)/dgi,
    reject: placeholder,
  },
  {
    kind: assignedKind,
    // The name must end with the word: GITHUB_TOKEN= and db.password: count, max_tokens= and PWD= do not. It starts
    // where a run of name characters starts, so a long run is scanned once, not once per position (no quadratic blow-up).
    pattern:
      /(?<![A-Za-z0-9_.-])(?<name>[A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key))["']?[ \t]*[:=][ \t]*(?<value>"[^"\r\n]*"|'[^'\r\n]*'|\$\{\w+\}|[^\s"'&;,(){}[\]]+)/dgi,
    reject: placeholder,
  },
];

/** Every secret in `text`, overlapping finds merged, in order of position. */
export function findSecrets(text: string): SecretMatch[] {
  const found: (SecretMatch & { rank: number })[] = [];
  SHAPES.forEach((shape, rank) => {
    // Not matchAll: it clones the pattern on every call, a third of an audited action's CPU. Synchronous, so the
    // shared pattern's lastIndex is this loop's alone.
    const pattern = shape.pattern;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      if (match[0].length === 0) pattern.lastIndex++;
      const span = match.indices?.groups?.value ?? match.indices?.[0];
      if (!span) continue;
      const start = span[0];
      let end = span[1];
      // Header values run to the end of the line: trailing blanks are not part of the secret.
      while (end > start && /\s/.test(text[end - 1]!)) end--;
      const value = text.slice(start, end);
      if (shape.reject?.(value, text[end] ?? '')) continue;
      const kind = typeof shape.kind === 'string' ? shape.kind : shape.kind(match.groups?.name ?? '');
      found.push({ kind, start, end, rank });
    }
  });
  found.sort((a, b) => a.start - b.start);
  const merged: (SecretMatch & { rank: number })[] = [];
  for (const match of found) {
    const last = merged.at(-1);
    if (last && match.start < last.end) {
      last.end = Math.max(last.end, match.end);
      if (match.rank < last.rank) Object.assign(last, { kind: match.kind, rank: match.rank });
    } else merged.push({ ...match });
  }
  return merged.map(({ kind, start, end }) => ({ kind, start, end }));
}
