import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IdentityName } from '../../common/protocol/identity';
import { errorMessage } from '../../common/wire/errors';
import { resolveConfig, statePaths } from '../config';
import { boundKeyLine, withKeyLine, withoutKey } from '../identity/authorizedKeys';
import { loadIdentities, withPerson, withoutPerson, type Identity } from '../identity/identities';
import { IdentityFileError, readOwnFile, replaceOwnFile } from '../identity/ownFile';
import { parsePublicKey, sameKey, type PublicKey } from '../identity/publicKey';
import { assertTrustedStateDir, prepareStateDir } from '../stateDirTrust';

const IDENTITY_USAGE = `usage: agent-host identity add NAME --key 'TYPE BASE64 [comment]' [--authorized-keys PATH] [--replace]
       agent-host identity list [--json]
       agent-host identity remove NAME [--authorized-keys PATH]
  (each takes --state-dir DIR; --authorized-keys defaults to ~/.ssh/authorized_keys)
  add     lists NAME in <state-dir>/identities and binds the key in authorized_keys to the bridge with --as NAME:
          that key then runs nothing else and speaks for NAME alone. --replace binds the key's existing line in place
          (NAME may then be listed already with this same key: how keys are re-bound to the bridge of a new install).
  remove  takes NAME out of the identities and every line of its key out of authorized_keys.
`;

const OPTIONS = {
  'state-dir': { type: 'string' },
  key: { type: 'string' },
  'authorized-keys': { type: 'string' },
  replace: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** An authorized_keys made here is 0600, as ssh-copy-id makes it. */
const NEW_FILE_MODE = 0o600;

/** `agent-host identity add|list|remove`: the admin's tool to bind each person's SSH key to their name. */
export function identity(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const [command, name, ...extra] = positionals;
  if (values.help || extra.length > 0) return usage(values.help ? 0 : 2);
  const stateDir = resolveConfig({ 'state-dir': values['state-dir'] }).stateDir;
  const authorizedKeys = resolve(values['authorized-keys'] ?? join(homedir(), '.ssh', 'authorized_keys'));
  try {
    if (command === 'list' && name === undefined) return list(stateDir, values.json ?? false);
    if (command === 'add' && name !== undefined && values.key !== undefined) {
      return add(stateDir, checkedName(name), checkedKey(values.key), authorizedKeys, values.replace ?? false);
    }
    if (command === 'remove' && name !== undefined) return remove(stateDir, name, authorizedKeys);
  } catch (error) {
    if (!(error instanceof IdentityFileError)) throw error;
    process.stderr.write(`agent-host identity: ${error.message}\n`);
    return 1;
  }
  return usage(2);
}

function usage(code: number): number {
  (code === 0 ? process.stdout : process.stderr).write(IDENTITY_USAGE);
  return code;
}

function checkedName(name: string): IdentityName {
  const parsed = IdentityName.safeParse(name);
  if (!parsed.success) throw new IdentityFileError(`"${name}" is not a name: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function checkedKey(text: string): PublicKey {
  try {
    return parsePublicKey(text);
  } catch (error) {
    throw new IdentityFileError(`--key: ${errorMessage(error)}`);
  }
}

/** The bridge-only entry beside the running bundle: what every bound key's forced command runs. */
function bridgeEntry(): string {
  const bridge = join(dirname(fileURLToPath(import.meta.url)), 'bridge.mjs');
  if (!existsSync(bridge)) {
    throw new IdentityFileError(`there is no ${bridge} to bind keys to; run identity add from an installed agent-host`);
  }
  return bridge;
}

function add(stateDir: string, name: IdentityName, key: PublicKey, authorizedKeysPath: string, replace: boolean): number {
  const bridge = bridgeEntry();
  prepareStateDir(stateDir);
  const identitiesPath = statePaths(stateDir).identities;
  const identities = loadIdentities(identitiesPath);
  // Re-binding a listed person (to the bridge of a new install) keeps their identities line as it is.
  const relisted = replace && identities.people.some((person) => person.name === name && sameKey(person.key, key));
  const nextIdentities = relisted ? identities.text : withPerson(identities, name, key);
  // ~/.ssh as ssh-keygen makes it: sshd's StrictModes refuses one others may write.
  mkdirSync(dirname(authorizedKeysPath), { recursive: true, mode: 0o700 });
  const authorized = readOwnFile(authorizedKeysPath) ?? { text: '', mode: NEW_FILE_MODE };
  const line = boundKeyLine({ node: process.execPath, bridge, name, stateDir }, key);
  const nextAuthorized = withKeyLine(authorized.text, authorizedKeysPath, key, line, replace);
  // Every check is done: write the identities, then the key. A failure there takes the identity back out.
  replaceOwnFile(identitiesPath, nextIdentities, identities.mode);
  try {
    replaceOwnFile(authorizedKeysPath, nextAuthorized, authorized.mode);
  } catch (error) {
    replaceOwnFile(identitiesPath, identities.text, identities.mode);
    throw error;
  }
  process.stdout.write(`${name} added to ${identitiesPath}\n${authorizedKeysPath}: ${line}\n`);
  return 0;
}

function remove(stateDir: string, name: string, authorizedKeysPath: string): number {
  assertTrustedStateDir(stateDir);
  const identities = loadIdentities(statePaths(stateDir).identities);
  const { text, person } = withoutPerson(identities, name);
  const authorized = readOwnFile(authorizedKeysPath);
  const unbound = authorized ? withoutKey(authorized.text, person.key) : { text: '', removed: 0 };
  replaceOwnFile(identities.path, text, identities.mode);
  if (authorized && unbound.removed > 0) replaceOwnFile(authorizedKeysPath, unbound.text, authorized.mode);
  process.stdout.write(`${name} removed from ${identities.path}; ${unbound.removed} line(s) with their key from ${authorizedKeysPath}\n`);
  return 0;
}

function list(stateDir: string, json: boolean): number {
  assertTrustedStateDir(stateDir);
  const people = loadIdentities(statePaths(stateDir).identities).people.map(describe);
  if (json) process.stdout.write(`${JSON.stringify({ people }, null, 2)}\n`);
  else for (const person of people) process.stdout.write(`${person.name}\t${person.type}\t${person.fingerprint}\t${person.comment}\n`);
  return 0;
}

/** As `ssh-keygen -l` shows a key: SHA256 of the blob in unpadded base64. */
function describe({ name, key, line }: Identity) {
  const fingerprint = `SHA256:${createHash('sha256').update(Buffer.from(key.base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
  return { name, type: key.type, fingerprint, comment: key.comment, line };
}
