import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadIdentities, parseIdentities, withPerson, withoutPerson } from './identities';
import { keyProblem, parsePublicKey } from './publicKey';

/** The start of every public key blob: the length-prefixed key type name. */
function header(type: string): Buffer {
  const name = Buffer.from(type, 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name]);
}

/** A well-formed public key blob of `type`: its name, then key material. */
function blob(type: string, material = randomBytes(32)): string {
  const size = Buffer.alloc(4);
  size.writeUInt32BE(material.length);
  return Buffer.concat([header(type), size, material]).toString('base64');
}

const ALICE = `ssh-ed25519 ${blob('ssh-ed25519')} alice@laptop`;
const BOB = `ecdsa-sha2-nistp256 ${blob('ecdsa-sha2-nistp256', randomBytes(65))}`;
const CAROL = `ssh-ed25519 ${blob('ssh-ed25519')}`;

describe('identities', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'identities-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads NAME KEYTYPE BASE64 [comment] lines, with comments and blank lines', () => {
    const people = parseIdentities(`# the team\n\nalice ${ALICE}\n  bob ${BOB}  \r\n`, 'ids');
    expect(people.map(({ name, key, line }) => ({ name, type: key.type, comment: key.comment, line }))).toEqual([
      { name: 'alice', type: 'ssh-ed25519', comment: 'alice@laptop', line: 3 },
      { name: 'bob', type: 'ecdsa-sha2-nistp256', comment: '', line: 4 },
    ]);
  });

  it('refuses a name or a key listed twice, naming both lines', () => {
    expect(() => parseIdentities(`alice ${ALICE}\nbob ${BOB}\nalice ${CAROL}\n`, '/s/ids')).toThrow(
      '/s/ids: alice is listed twice, on lines 1 and 3',
    );
    expect(() => parseIdentities(`alice ${ALICE}\n# x\nmallory ${ALICE.replace('alice@laptop', 'other comment')}\n`, '/s/ids')).toThrow(
      '/s/ids: lines 1 (alice) and 3 (mallory) hold the same key',
    );
  });

  it('refuses a bad name, an unknown type, bad base64, and a blob of another type or cut short, naming the line', () => {
    expect(() => parseIdentities(`Alice ${ALICE}`, 'ids')).toThrow(/^ids:1: "Alice" is not a name/);
    expect(() => parseIdentities(`alice ssh-dss ${blob('ssh-dss')}`, 'ids')).toThrow(/^ids:1: the key of alice: the key type "ssh-dss" is not one of/);
    expect(() => parseIdentities(`\nalice ssh-ed25519 AAAA*AAA`, 'ids')).toThrow('ids:2: the key of alice: the key is not valid base64');
    expect(() => parseIdentities(`alice ssh-rsa ${blob('ssh-ed25519')}`, 'ids')).toThrow(/ids:1: .*does not start with its type ssh-rsa/);
    expect(keyProblem('ssh-ed25519', header('ssh-ed25519').subarray(0, 9).toString('base64'))).toMatch(/does not start with its type/);
    expect(keyProblem('ssh-ed25519', header('ssh-ed25519').toString('base64'))).toBe('the key holds its type but no key material');
    // 51 bytes: the last group holds 2 spare bits, which must be zero.
    const key = blob('ssh-ed25519');
    expect(keyProblem('ssh-ed25519', `${key.slice(0, -2)}${key.at(-2) === 'B' ? 'C' : 'B'}=`)).toBe('the key is not valid base64');
    expect(() => parseIdentities('alice ssh-ed25519', 'ids')).toThrow('ids:1: the key of alice: the key is not valid base64');
  });

  it('lists nobody when the file is absent; refuses a link, a directory, another user’s file or one others may write', () => {
    const file = join(dir, 'identities');
    expect(loadIdentities(file).people).toEqual([]);
    writeFileSync(file, `alice ${ALICE}\n`, { mode: 0o600 });
    expect(loadIdentities(file).people.map((person) => person.name)).toEqual(['alice']);
    chmodSync(file, 0o620);
    expect(() => loadIdentities(file)).toThrow(`refusing ${file}: group or others may write it (mode 620); chmod go-w it`);
    chmodSync(file, 0o644);
    expect(loadIdentities(file).mode).toBe(0o644);
    const link = join(dir, 'link');
    symlinkSync(file, link);
    expect(() => loadIdentities(link)).toThrow(`refusing ${link}: it is a symbolic link`);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect(() => loadIdentities(folder)).toThrow(`refusing ${folder}: it is not a regular file`);
    if (process.getuid?.() === 0) {
      chownSync(file, 4242, 4242);
      expect(() => loadIdentities(file)).toThrow(`refusing ${file}: it is owned by uid 4242, not by this user (uid 0)`);
    }
  });

  it('adds a person at the end and removes one keeping every other byte', () => {
    const file = join(dir, 'identities');
    const text = `# team\nalice ${ALICE}`;
    writeFileSync(file, text, { mode: 0o600 });
    const added = withPerson(loadIdentities(file), 'bob', parsePublicKey(BOB));
    expect(added).toBe(`${text}\nbob ${BOB}\n`);
    writeFileSync(file, added);
    expect(() => withPerson(loadIdentities(file), 'alice', parsePublicKey(CAROL))).toThrow(
      `${file}:2: alice is already listed (remove it first)`,
    );
    expect(() => withPerson(loadIdentities(file), 'carol', parsePublicKey(ALICE))).toThrow(`${file}:2: this key is already alice's`);
    const removed = withoutPerson(loadIdentities(file), 'alice');
    expect(removed.person.line).toBe(2);
    expect(removed.text).toBe(`# team\nbob ${BOB}\n`);
    expect(() => withoutPerson(loadIdentities(file), 'carol')).toThrow(`${file}: nobody is called carol`);
  });
});
