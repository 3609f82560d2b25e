import { existsSync, readFileSync } from 'node:fs';
import ssh2, { type AnyAuthMethod, type AuthHandlerMiddleware, type AuthenticationType, type Client, type ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { Prompt } from '../../common/app/prompts';
import type { Store } from '../store/store';
import type { SshEndpoint, SshRoute } from './config';
import { FleetError } from './errors';
import { changedKeyError, decideHostKey } from './hostKeys';
import { hostKeyName } from './knownHosts';

export type HostKeyQuestion = Omit<Extract<Prompt, { kind: 'host-key' }>, 'id'>;
export type PassphraseQuestion = Omit<Extract<Prompt, { kind: 'passphrase' }>, 'id'>;

/** Connection code never opens UI: it asks through this, and whichever UI is attached answers. */
export interface Prompter {
  hostKey(question: HostKeyQuestion): Promise<boolean>;
  passphrase(question: PassphraseQuestion): Promise<string | null>;
}

export interface ConnectOptions {
  /** The Flightdeck host name, for prompts and messages. */
  hostName: string;
  route: SshRoute;
  store: Store;
  prompter: Prompter;
  /** retrust: a changed key is offered to the human (the explicit "trust this host" action) instead of refused. */
  hostKeyPolicy?: 'normal' | 'retrust';
  agentSocket?: string;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

/** A live route: the target client plus every jump client it rides on (closed together). */
export interface SshConnection {
  client: Client;
  hops: Client[];
  close(): void;
}

// ssh2 is CommonJS: a default import works under plain Node ESM, vitest and esbuild alike.
const { utils } = ssh2;

const MAX_PASSPHRASE_TRIES = 3;

function describeEndpoint(endpoint: SshEndpoint): string {
  return `${endpoint.user}@${endpoint.hostName}:${endpoint.port}`;
}

function forwardOut(client: Client, endpoint: SshEndpoint, via: SshEndpoint): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, endpoint.hostName, endpoint.port, (error, stream) => {
      if (error) {
        reject(
          new FleetError(
            'unreachable',
            `jump host ${describeEndpoint(via)} could not open a tunnel to ${endpoint.hostName}:${endpoint.port}: ${error.message}`,
          ),
        );
      } else resolve(stream);
    });
  });
}

/** Connects hop by hop (ProxyJump: each next hop rides a direct-tcpip channel of the previous one). */
export async function connectRoute(options: ConnectOptions): Promise<SshConnection> {
  const hops: Client[] = [];
  const closeAll = (): void => {
    for (const hop of [...hops].reverse()) hop.end();
  };
  try {
    let sock: Duplex | undefined;
    const endpoints = [...options.route.jumps, options.route.target];
    for (const [index, endpoint] of endpoints.entries()) {
      if (index > 0) sock = await forwardOut(hops[index - 1]!, endpoint, endpoints[index - 1]!);
      hops.push(await connectEndpoint(endpoint, sock, options));
    }
  } catch (error) {
    closeAll();
    throw error;
  }
  const client = hops[hops.length - 1]!;
  return { client, hops, close: closeAll };
}

function classifySocketError(endpoint: SshEndpoint, error: Error & { code?: string; level?: string }): FleetError {
  const where = describeEndpoint(endpoint);
  if (error.level === 'client-timeout') return new FleetError('unreachable', `${where} is unreachable: no SSH handshake within the timeout`);
  const reason = error.code ? `${error.code} ${error.message}` : error.message;
  return new FleetError('unreachable', `${where} is unreachable: ${reason}`);
}

export function connectEndpoint(endpoint: SshEndpoint, sock: Duplex | undefined, options: ConnectOptions): Promise<Client> {
  const where = describeEndpoint(endpoint);
  const keyName = hostKeyName(endpoint.hostName, endpoint.port);
  const client = new ssh2.Client();
  const tried: string[] = [];
  let hostKeyFailure: FleetError | undefined;

  const verifyHostKey = async (key: Buffer): Promise<boolean> => {
    const decision = decideHostKey(options.store, endpoint.hostName, endpoint.port, endpoint.knownHostsFiles, key);
    if (decision.kind === 'trusted') return true;
    if (decision.kind === 'revoked') {
      hostKeyFailure = new FleetError('host-key-revoked', `the host key of ${keyName} (${decision.fingerprint}) is revoked in ${decision.where}`);
      return false;
    }
    if (decision.kind === 'changed' && options.hostKeyPolicy !== 'retrust') {
      hostKeyFailure = changedKeyError(keyName, decision);
      return false;
    }
    const trusted = await options.prompter.hostKey({
      kind: 'host-key',
      host: options.hostName,
      endpoint: keyName,
      algorithm: decision.keyType,
      fingerprint: decision.fingerprint,
      reason: decision.kind,
      previousFingerprint: decision.kind === 'changed' ? decision.previousFingerprint : null,
    });
    if (!trusted) {
      hostKeyFailure = new FleetError(
        decision.kind === 'changed' ? 'host-key-changed' : 'host-key-unknown',
        `the host key of ${keyName} (${decision.fingerprint}) was not trusted; nothing was sent to the host`,
        { endpoint: keyName, fingerprint: decision.fingerprint },
      );
      return false;
    }
    options.store.pin(keyName, decision.keyType, key, decision.fingerprint);
    return true;
  };

  const attempts = authAttempts(endpoint, options, tried);
  const authHandler: AuthHandlerMiddleware = (_methodsLeft, _partialSuccess, next) => {
    void attempts.next().then((step) => next(step.done ? (false as unknown as AuthenticationType) : step.value));
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: FleetError): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(error);
    };
    client.once('ready', () => {
      settled = true;
      // Keystrokes and acks are tiny: without this, Nagle holds each one behind sshd's delayed ACK (~40 ms).
      client.setNoDelay(true);
      resolve(client);
    });
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      if (hostKeyFailure) return fail(hostKeyFailure);
      if (error.level === 'client-authentication') {
        return fail(
          new FleetError('auth-failed', `authentication failed for ${where} (tried: ${tried.join(', ') || 'nothing: no agent and no key file'})`, {
            tried,
          }),
        );
      }
      if (error.level === 'client-socket' || error.level === 'client-timeout') return fail(classifySocketError(endpoint, error));
      fail(new FleetError('unreachable', `SSH to ${where} failed: ${error.message}`));
    });
    client.once('close', () => fail(hostKeyFailure ?? new FleetError('unreachable', `${where} closed the connection during the SSH handshake`)));
    const config: ConnectConfig = {
      host: endpoint.hostName,
      port: endpoint.port,
      username: endpoint.user,
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: options.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: options.keepaliveCountMax ?? 3,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        verifyHostKey(key).then(verify, (error: unknown) => {
          hostKeyFailure = new FleetError('host-key-rejected', `host key check for ${keyName} failed: ${String(error)}`);
          verify(false);
        });
      },
      authHandler,
      ...(sock ? { sock } : {}),
    };
    try {
      client.connect(config);
    } catch (error) {
      fail(new FleetError('unreachable', `SSH to ${where} failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  });
}

/** The auth methods in OpenSSH's order: agent (unless IdentitiesOnly), then each key file, prompting for passphrases. */
async function* authAttempts(endpoint: SshEndpoint, options: ConnectOptions, tried: string[]): AsyncGenerator<AnyAuthMethod> {
  const username = endpoint.user;
  const agent = options.agentSocket ?? process.env.SSH_AUTH_SOCK;
  if (agent && !endpoint.identitiesOnly) {
    tried.push(`ssh-agent (${agent})`);
    yield { type: 'agent' as const, username, agent };
  }
  for (const file of endpoint.identityFiles) {
    if (!existsSync(file)) {
      if (endpoint.identityFilesExplicit) tried.push(`key ${file} (missing)`);
      continue;
    }
    const data = readFileSync(file);
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
      const passphrase = await options.prompter.passphrase({ kind: 'passphrase', host: options.hostName, keyPath: file, retry: attempt > 0 });
      if (passphrase === null) {
        tried.push(`key ${file} (passphrase not given)`);
        break;
      }
      if (utils.parseKey(data, passphrase) instanceof Error) continue;
      tried.push(`key ${file}`);
      yield { type: 'publickey' as const, username, key: data, passphrase };
      break;
    }
  }
}
