import { IdentityName } from '../../common/protocol/identity';
import { errorMessage } from '../../common/wire/errors';
import { IdentityFileError, readOwnFile, type OwnFile } from './ownFile';
import { parsePublicKey, sameKey, type PublicKey } from './publicKey';

/** One person of `<state-dir>/identities`: `NAME KEYTYPE BASE64 [comment]`. */
export interface Identity {
  name: string;
  key: PublicKey;
  /** 1-based line in the file, for messages. */
  line: number;
}

export interface IdentitiesFile extends OwnFile {
  path: string;
  people: Identity[];
}

/** A new identities file is readable by this user alone, like the rest of the state dir. */
const NEW_FILE_MODE = 0o600;

/**
 * Parses the identities file. `#` comments and blank lines are allowed; a malformed line, a name listed twice or a key
 * listed twice (under any names: one key must never speak for two people) is an IdentityFileError naming the lines.
 */
export function parseIdentities(text: string, path: string): Identity[] {
  const people: Identity[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `${path}:${index + 1}`;
    const [name = '', ...key] = line.split(/\s+/);
    const named = IdentityName.safeParse(name);
    if (!named.success) throw new IdentityFileError(`${at}: "${name}" is not a name (${named.error.issues[0]?.message})`);
    let parsed: PublicKey;
    try {
      parsed = parsePublicKey(key.join(' '));
    } catch (error) {
      throw new IdentityFileError(`${at}: the key of ${name}: ${errorMessage(error)}`);
    }
    const person = { name, key: parsed, line: index + 1 };
    const twin = people.find((other) => other.name === name);
    if (twin) throw new IdentityFileError(`${path}: ${name} is listed twice, on lines ${twin.line} and ${person.line}`);
    const shared = people.find((other) => sameKey(other.key, parsed));
    if (shared) {
      throw new IdentityFileError(`${path}: lines ${shared.line} (${shared.name}) and ${person.line} (${name}) hold the same key`);
    }
    people.push(person);
  });
  return people;
}

/** The identities file as it is now; an absent file lists nobody. Refused unless only this user may change it. */
export function loadIdentities(path: string): IdentitiesFile {
  const file = readOwnFile(path) ?? { text: '', mode: NEW_FILE_MODE };
  return { ...file, path, people: parseIdentities(file.text, path) };
}

/** The file's text with `name` appended; refuses a name or a key it already lists, naming that line. */
export function withPerson(file: IdentitiesFile, name: IdentityName, key: PublicKey): string {
  const named = file.people.find((person) => person.name === name);
  if (named) throw new IdentityFileError(`${file.path}:${named.line}: ${name} is already listed (remove it first)`);
  const keyed = file.people.find((person) => sameKey(person.key, key));
  if (keyed) throw new IdentityFileError(`${file.path}:${keyed.line}: this key is already ${keyed.name}'s`);
  const line = [name, key.type, key.base64, key.comment].filter(Boolean).join(' ');
  const separator = file.text === '' || file.text.endsWith('\n') ? '' : '\n';
  return `${file.text}${separator}${line}\n`;
}

/** The file's text without `name`'s line (every other byte kept), and who that was. */
export function withoutPerson(file: IdentitiesFile, name: string): { text: string; person: Identity } {
  const person = file.people.find((candidate) => candidate.name === name);
  if (!person) throw new IdentityFileError(`${file.path}: nobody is called ${name}`);
  const lines = file.text.split('\n');
  lines.splice(person.line - 1, 1);
  return { text: lines.join('\n'), person };
}
