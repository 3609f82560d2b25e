import { findSecrets } from './secretShapes';

/** What stands in a redacted text for a secret of `kind`. */
export const redactionMarker = (kind: string): string => `«redacted:${kind}»`;

/** `text` with every secret shape replaced by a marker naming its kind. */
export function redactSecrets(text: string): string {
  const matches = findSecrets(text);
  if (matches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const match of matches) {
    out += text.slice(at, match.start) + redactionMarker(match.kind);
    at = match.end;
  }
  return out + text.slice(at);
}

/** A copy of a JSON-like value with every string in it (at any depth; not object keys) redacted. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item)) as T;
  // Every other object is walked as the audit's canonical JSON walks it; binary data holds no text.
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item)])) as T;
  }
  return value;
}

/**
 * A copy of a JSON-like value with every occurrence of the given secret values (at any depth) replaced by a marker
 * naming where the secret came from: for secrets known by value (an agent's API key) rather than by shape.
 */
export function redactValues<T>(value: T, secrets: readonly { name: string; value: string }[]): T {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') {
    return secrets.reduce((text, secret) => text.split(secret.value).join(redactionMarker(secret.name)), value as string) as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => redactValues(item, secrets)) as T;
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValues(item, secrets)])) as T;
  }
  return value;
}
