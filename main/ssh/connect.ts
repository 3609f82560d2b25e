import ssh2, { type AuthHandlerMiddleware, type AuthenticationType, type Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { Prompt } from '../../common/app/prompts';
import type { Store } from '../store/store';
import { authAttempts } from './authMethods';
import type { SshEndpoint, SshRoute } from './config';
import { FleetError } from './errors';
import { HandshakeDeadline } from './handshakeDeadline';
import { changedKeyError, decideHostKey, hostKeyAlgorithms } from './hostKeys';
import { hostKeyName } from './knownHosts';

export type HostKeyQuestion = Omit<Extract<Prompt, { kind: 'host-key' }>, 'id'>;
export type PassphraseQuestion = Omit<Extract<Prompt, { kind: 'passphrase' }>, 'id'>;

/**
 * Connection code never opens UI: it asks through this, and whichever UI is attached answers. When `signal`
 * aborts (the attempt was given up or superseded) the question is withdrawn and answers "no".
 */
export interface Prompter {
  hostKey(question: HostKeyQuestion, signal: AbortSignal): Promise<boolean>;
  passphrase(question: PassphraseQuestion, signal: AbortSignal): Promise<string | null>;
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
  /** Handshake deadline per hop; the clock stops while a human is being asked. 0 = none. */
  readyTimeoutMs?: number;
  /** Aborting gives the attempt up: pending prompts are withdrawn and the connection is closed. */
  signal?: AbortSignal;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

/** A live route: the target client plus every jump client it rides on (closed together). */
export interface SshConnection {
  client: Client;
  hops: Client[];
  close(): void;
}

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
  // Withdraws this attempt's prompts when it fails (a retry must not leave its predecessor's questions open),
  // and lets the caller abandon it.
  const attempt = new AbortController();
  const abandon = (): void => attempt.abort();
  options.signal?.addEventListener('abort', abandon, { once: true });
  if (options.signal?.aborted) abandon();
  try {
    let sock: Duplex | undefined;
    const endpoints = [...options.route.jumps, options.route.target];
    for (const [index, endpoint] of endpoints.entries()) {
      if (index > 0) sock = await forwardOut(hops[index - 1]!, endpoint, endpoints[index - 1]!);
      hops.push(await connectEndpoint(endpoint, sock, options, attempt.signal));
    }
  } catch (error) {
    attempt.abort();
    closeAll();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', abandon);
  }
  const client = hops[hops.length - 1]!;
  return { client, hops, close: closeAll };
}

function classifySocketError(endpoint: SshEndpoint, error: Error & { code?: string }): FleetError {
  const where = describeEndpoint(endpoint);
  const reason = error.code ? `${error.code} ${error.message}` : error.message;
  return new FleetError('unreachable', `${where} is unreachable: ${reason}`);
}

export function connectEndpoint(endpoint: SshEndpoint, sock: Duplex | undefined, options: ConnectOptions, signal: AbortSignal): Promise<Client> {
  const where = describeEndpoint(endpoint);
  const keyName = hostKeyName(endpoint.hostName, endpoint.port);
  const client = new ssh2.Client();
  const tried: string[] = [];
  let hostKeyFailure: FleetError | undefined;
  let resolve!: (client: Client) => void;
  let reject!: (error: FleetError) => void;
  const result = new Promise<Client>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  let settled = false;
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const deadline = new HandshakeDeadline(timeoutMs, () =>
    fail(new FleetError('unreachable', `${where} is unreachable: no SSH handshake within ${timeoutMs / 1000} s`)),
  );
  const onAbort = (): void => fail(new FleetError('closed', `the connection attempt to ${where} was abandoned`));
  const finish = (): void => {
    settled = true;
    deadline.clear();
    signal.removeEventListener('abort', onAbort);
  };
  const fail = (error: FleetError): void => {
    if (settled) return;
    finish();
    client.end();
    // end() alone waits for the peer; a handshake we give up on must not keep the socket open.
    client.destroy();
    reject(error);
  };

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
    const question: HostKeyQuestion = {
      kind: 'host-key',
      host: options.hostName,
      endpoint: keyName,
      algorithm: decision.keyType,
      fingerprint: decision.fingerprint,
      reason: decision.kind,
      previousFingerprint: decision.kind === 'changed' ? decision.previousFingerprint : null,
    };
    const trusted = await deadline.whilePaused(() => options.prompter.hostKey(question, signal));
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

  const attempts = authAttempts(
    endpoint,
    {
      agent: options.agentSocket ?? process.env.SSH_AUTH_SOCK,
      passphrase: (keyPath, retry) =>
        deadline.whilePaused(() => options.prompter.passphrase({ kind: 'passphrase', host: options.hostName, keyPath, retry }, signal)),
    },
    tried,
  );
  const authHandler: AuthHandlerMiddleware = (_methodsLeft, _partialSuccess, next) => {
    attempts.next().then(
      (step) => next(step.done ? (false as unknown as AuthenticationType) : step.value),
      (error: unknown) => fail(new FleetError('auth-failed', `authentication for ${where} failed: ${error instanceof Error ? error.message : String(error)}`)),
    );
  };

  if (signal.aborted) {
    onAbort();
    return result;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  client.once('ready', () => {
    if (settled) return;
    finish();
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
    if (error.level === 'client-socket') return fail(classifySocketError(endpoint, error));
    fail(new FleetError('unreachable', `SSH to ${where} failed: ${error.message}`));
  });
  client.once('close', () => fail(hostKeyFailure ?? new FleetError('unreachable', `${where} closed the connection during the SSH handshake`)));
  const config: ConnectConfig = {
    host: endpoint.hostName,
    port: endpoint.port,
    username: endpoint.user,
    // Our deadline replaces ssh2's: it must not run while a human answers a prompt.
    readyTimeout: 0,
    keepaliveInterval: options.keepaliveIntervalMs ?? 5_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    algorithms: {
      serverHostKey: hostKeyAlgorithms(options.store, endpoint.hostName, endpoint.port, endpoint.knownHostsFiles) as ServerHostKeyAlgorithm[],
    },
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
      // Once the attempt has failed (withdrawn, timed out, dropped) the client is gone: ssh2 breaks on a late verdict.
      const conclude = (valid: boolean): void => {
        if (!settled) verify(valid);
      };
      verifyHostKey(key).then(conclude, (error: unknown) => {
        hostKeyFailure = new FleetError('host-key-rejected', `host key check for ${keyName} failed: ${String(error)}`);
        conclude(false);
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
  return result;
}
