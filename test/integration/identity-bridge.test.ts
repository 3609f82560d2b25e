// People told apart by the SSH key they used, with the real OpenSSH client and sshd: `agent-host identity add` binds a
// key in authorized_keys to the bridge with --as NAME, and the daemon's audit names that person, verified.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostProtocol } from '../../common/protocol/methods';
import { RpcPeer } from '../../common/wire/peer';
import { SocketTransport } from '../../agent-host/wire/socketTransport';
import { generateKeyPair, startSshd, type KeyPair, type Sshd } from '../harness/sshd';
import { AGENT_HOST_BUNDLE, hello, waitFor, type HostPeer } from './agent-host/client';
import { runCli, stopDaemon } from './agent-host/fixture';
import { sshPeer as connectOverSsh } from './agent-host/sshPeer';

const BRIDGE = join(dirname(AGENT_HOST_BUNDLE), 'bridge.mjs');

interface AuditRow {
  actor: string;
  action: string;
  target: string;
  reason: string | null;
  outcome: string;
  data: string;
}

let dir: string;
let stateDir: string;
let sshd: Sshd;
let alice: KeyPair;
let bob: KeyPair;
/** In authorized_keys as a plain line: a shell key, the admin's. */
let unbound: KeyPair;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fd-identity-'));
  // sshd dequotes the forced command, then the login shell reads it: every awkward character goes through both.
  stateDir = join(dir, `state "x" 'y' \\z!`);
  await mkdir(stateDir, { mode: 0o700 });
  [alice, bob, unbound] = await Promise.all([generateKeyPair(dir, 'alice'), generateKeyPair(dir, 'bob'), generateKeyPair(dir, 'unbound')]);
  sshd = await startSshd({ hardened: true, authorizedKeys: [unbound.publicKey] });
  for (const [name, key] of [['alice', alice], ['bob', bob]] as const) {
    const added = addIdentity(name, `${key.publicKey} ${name}@laptop`);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
  }
});

afterAll(async () => {
  await stopDaemon(stateDir);
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

const authorizedKeys = () => join(sshd.dir, 'authorized_keys');

function addIdentity(name: string, key: string, ...flags: string[]) {
  return runCli(['identity', 'add', name, '--key', key, '--authorized-keys', authorizedKeys(), '--state-dir', stateDir, ...flags]);
}

function sshPeer(key: KeyPair, command: string[]): { peer: HostPeer; stderr: () => string } {
  const connected = connectOverSsh(sshd, key, command);
  children.push(connected.child);
  return connected;
}

function auditRows(action: string): AuditRow[] {
  const db = new Database(join(stateDir, 'host.db'), { readonly: true });
  try {
    return db.prepare('SELECT actor, action, target, reason, outcome, data FROM audit WHERE action = ? ORDER BY seq').all(action) as AuditRow[];
  } finally {
    db.close();
  }
}

/** Starts `true` as a session (audited as session.start) and returns that record. */
async function auditedStart(peer: HostPeer): Promise<AuditRow & { parsed: Record<string, unknown> }> {
  const { session } = await peer.request('session.start', { command: 'true' });
  const row = await waitFor(() => auditRows('session.start').find((candidate) => candidate.target === `session:${session.id}`), 'the audit');
  return { ...row, parsed: JSON.parse(row.data) as Record<string, unknown> };
}

function closed(peer: HostPeer): Promise<void> {
  return new Promise((resolve) => peer.onClose(() => resolve()));
}

describe('bound SSH keys: who decides is told by the key, not the client', { timeout: 120_000 }, () => {
  it('identity add writes the forced bridge command with restrict, and lists the people', async () => {
    const lines = (await readFile(authorizedKeys(), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(unbound.publicKey);
    expect(lines[2]).toMatch(/^command="\S+ \S+bridge\.mjs --as alice --state-dir .+",restrict ssh-ed25519 \S+ alice@flightdeck$/);
    const listed = JSON.parse(runCli(['identity', 'list', '--json', '--state-dir', stateDir]).stdout) as { people: { name: string }[] };
    expect(listed.people.map((person) => person.name)).toEqual(['alice', 'bob']);
    const again = addIdentity('carol', alice.publicKey);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${join(stateDir, 'identities')}:1: this key is already alice's`);
    // After an upgrade the admin re-binds from the new install: the same line, rewritten in place.
    const rebound = addIdentity('alice', alice.publicKey, '--replace');
    expect(rebound.code).toBe(0);
    expect((await readFile(authorizedKeys(), 'utf8')).trim().split('\n')).toEqual(lines);
  });

  it("alice's key runs the bridge whatever command is asked: her actions are audited as person:alice, verified", async () => {
    const ran = join(dir, 'requested-command-ran');
    const { peer, stderr } = sshPeer(alice, ['touch', ran]);
    // The client may say what it likes about its user: the key decides.
    const greeted = await hello(peer, 'mallory@laptop').catch((error: Error) => {
      throw new Error(`${error.message}; ssh said: ${stderr()}`);
    });
    // A direct stream to the socket would carry no claim: a bound connection is never offered one.
    expect(greeted.directSocket).toBeNull();
    expect(existsSync(ran)).toBe(false);
    const record = await auditedStart(peer);
    expect(record.actor).toBe('person:alice');
    expect(record.parsed).toMatchObject({ verified: true, user: 'mallory@laptop' });
    peer.close();
  });

  it("a client behind alice's bridge claiming bob is cut off and audited as identity.refused", async () => {
    const { peer } = sshPeer(alice, []);
    const reported: string[] = [];
    peer.onProtocolError((error) => reported.push(error.message));
    const ended = closed(peer);
    peer.notify('bridge.identity', { as: 'bob' });
    await ended;
    const refusal = await waitFor(() => auditRows('identity.refused').find((row) => JSON.parse(row.data).claimed === 'bob'), 'the refusal');
    expect(refusal).toMatchObject({ actor: 'host', outcome: 'denied' });
    expect(JSON.parse(refusal.data)).toEqual({ claimed: 'bob', boundTo: 'alice' });
    expect(refusal.reason).toMatch(/accepted only as the first message/);
    expect(reported.join('\n')).toMatch(/identity refused: bridge\.identity is accepted only as the first message/);
  });

  it('bob is bob over his own key: two bound keys, two people', async () => {
    const { peer } = sshPeer(bob, []);
    await hello(peer, 'bob@laptop');
    expect((await auditedStart(peer)).actor).toBe('person:bob');
    peer.close();
  });

  it('an unbound key running the plain bridge acts as the Unix user, unverified', async () => {
    const { peer } = sshPeer(unbound, [process.execPath, `'${BRIDGE}'`, '--state-dir', `'${stateDir.replace(/'/g, `'\\''`)}'`]);
    expect((await hello(peer, 'admin@laptop')).directSocket).toBe(join(stateDir, 'agent-host.sock'));
    const record = await auditedStart(peer);
    expect(record.actor).toBe('user:admin@laptop');
    expect(record.parsed).toMatchObject({ verified: false });
    peer.close();
  });

  it('a bridge claiming a name the identities file does not list is refused', async () => {
    const child = spawn(process.execPath, [BRIDGE, '--as', 'carol', '--state-dir', stateDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    const peer = new RpcPeer(hostProtocol, new SocketTransport(child.stdout!, child.stdin!), { requestTimeoutMs: 20_000 });
    await expect(hello(peer)).rejects.toThrow(/connection closed/);
    const refusal = await waitFor(() => auditRows('identity.refused').find((row) => JSON.parse(row.data).claimed === 'carol'), 'the refusal');
    expect(refusal.reason).toBe(`carol is not listed in ${join(stateDir, 'identities')}`);
  });
});
