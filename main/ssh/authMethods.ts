import { readFileSync } from 'node:fs';
import ssh2, { type AnyAuthMethod } from 'ssh2';
import type { SshEndpoint } from './config';

// ssh2 is CommonJS: a default import works under plain Node ESM, vitest and esbuild alike.
const { utils } = ssh2;

const MAX_PASSPHRASE_TRIES = 3;

export interface AuthSource {
  /** ssh-agent socket, or undefined for none. */
  agent: string | undefined;
  /** Asks the human for a key's passphrase; null = skip this key. */
  passphrase(keyPath: string, retry: boolean): Promise<string | null>;
}

type KeyFile = { kind: 'data'; data: Buffer } | { kind: 'missing' } | { kind: 'unreadable'; reason: string };

function readKeyFile(file: string): KeyFile {
  try {
    return { kind: 'data', data: readFileSync(file) };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') return { kind: 'missing' };
    // EACCES, EISDIR, EIO...: Node's message names the errno ("EISDIR: illegal operation on a directory, read").
    return { kind: 'unreadable', reason: message || String(code) };
  }
}

/**
 * The auth methods in OpenSSH's order: agent (unless IdentitiesOnly), then each key file, asking for
 * passphrases. A key that cannot be read is skipped and named in `tried`, as OpenSSH does, so the failure
 * message says which file and why.
 */
export async function* authAttempts(endpoint: SshEndpoint, source: AuthSource, tried: string[]): AsyncGenerator<AnyAuthMethod> {
  const username = endpoint.user;
  if (source.agent && !endpoint.identitiesOnly) {
    tried.push(`ssh-agent (${source.agent})`);
    yield { type: 'agent' as const, username, agent: source.agent };
  }
  for (const file of endpoint.identityFiles) {
    const keyFile = readKeyFile(file);
    if (keyFile.kind === 'missing') {
      if (endpoint.identityFilesExplicit) tried.push(`key ${file} (missing)`);
      continue;
    }
    if (keyFile.kind === 'unreadable') {
      tried.push(`key ${file} (cannot read: ${keyFile.reason})`);
      continue;
    }
    const data = keyFile.data;
    const parsed = utils.parseKey(data);
    if (!(parsed instanceof Error)) {
      tried.push(`key ${file}`);
      yield { type: 'publickey' as const, username, key: data };
      continue;
    }
    if (!/encrypted|passphrase/i.test(parsed.message)) {
      tried.push(`key ${file} (unreadable: ${parsed.message})`);
      continue;
    }
    for (let attempt = 0; attempt < MAX_PASSPHRASE_TRIES; attempt++) {
      const passphrase = await source.passphrase(file, attempt > 0);
      if (passphrase === null) {
        tried.push(`key ${file} (passphrase not given)`);
        break;
      }
      // Decrypting costs a bcrypt KDF (~0.5 s): hand ssh2 the decrypted key so it does not do it again.
      const decrypted = utils.parseKey(data, passphrase);
      if (decrypted instanceof Error) continue;
      tried.push(`key ${file}`);
      yield { type: 'publickey' as const, username, key: decrypted };
      break;
    }
  }
}
