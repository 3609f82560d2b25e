import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { FORWARDED_FLAGS, statePaths, type HostConfig, type ParsedFlags } from '../config';
import { BridgeExitCode } from '../../common/protocol/bridgeExit';
import { errorMessage } from '../../common/wire/errors';
import { assertTrustedStateDir, prepareStateDir, UntrustedStateDirError } from '../stateDirTrust';
import { bridgeClaimFrame } from '../identity/bridgeClaim';

const START_DEADLINE_MS = 10_000;
const POLL_MS = 25;
// serve's exit code when another daemon already holds the lock: that one will answer.
const ALREADY_RUNNING = 3;

/** Resolves with a connected socket, or null when nothing listens there. */
export function tryConnect(socketPath: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(null);
    });
  });
}

/**
 * Joins stdin/stdout to the daemon's socket, starting the daemon (`<daemonEntry> serve`, detached in its own
 * session so it outlives this SSH session) when none answers. It moves bytes only, after one frame of its own: who
 * it speaks for (`--as NAME` from a bound key's forced command, else nobody); the client and the daemon handshake
 * through it. Nothing but daemon bytes ever reaches stdout: failures go to stderr with exit 1 (2 for a bad --as).
 */
export async function runSocketBridge(config: HostConfig, flags: ParsedFlags['values'], daemonEntry: string): Promise<number> {
  let claim: Uint8Array;
  try {
    claim = bridgeClaimFrame(flags.as);
  } catch (error) {
    process.stderr.write(`agent-host bridge: ${errorMessage(error)}\n`);
    return 2;
  }
  const paths = statePaths(config.stateDir);
  let socket: Awaited<ReturnType<typeof startDaemon>>;
  try {
    assertTrustedStateDir(config.stateDir);
    socket = (await tryConnect(paths.socket)) ?? (await startDaemon(config, flags, daemonEntry));
  } catch (error) {
    if (!(error instanceof UntrustedStateDirError)) throw error;
    process.stderr.write(`agent-host bridge: ${error.message}\n`);
    return BridgeExitCode.StateDirRefused;
  }
  if ('failure' in socket) {
    process.stderr.write(`agent-host bridge: ${socket.failure}\n`);
    // A daemon that exited at once would exit again: the client stops retrying. One merely slow to answer exits 1.
    return socket.daemonExited ? BridgeExitCode.DaemonStartFailed : 1;
  }
  return pipe(socket, claim);
}

async function startDaemon(
  config: HostConfig,
  flags: ParsedFlags['values'],
  daemonEntry: string,
): Promise<Socket | { failure: string; daemonExited: boolean }> {
  const paths = statePaths(config.stateDir);
  prepareStateDir(config.stateDir);
  const forwarded = FORWARDED_FLAGS.flatMap((name) => (flags[name] === undefined ? [] : [`--${name}`, String(flags[name])]));
  const log = openSync(paths.log, 'a', 0o600);
  // --expose-gc: the heap trimmer asks for a major GC when an idle daemon's dead screens wait for one (heapTrimmer.ts).
  const child = spawn(process.execPath, ['--expose-gc', daemonEntry, 'serve', '--state-dir', config.stateDir, ...forwarded], {
    detached: true,
    // Not the SSH session's cwd: the daemon outlives it and should not pin a directory.
    cwd: config.stateDir,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? -1));
  child.once('error', () => (exitCode = -1));
  child.unref();
  const deadline = Date.now() + START_DEADLINE_MS;
  while (Date.now() < deadline) {
    const socket = await tryConnect(paths.socket);
    if (socket) return socket;
    if (exitCode !== null && exitCode !== ALREADY_RUNNING) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const why = exitCode !== null ? `the daemon exited with code ${exitCode}` : `no answer within ${START_DEADLINE_MS} ms`;
  return {
    failure: `could not start the agent-host daemon in ${config.stateDir} (${why}); log ${paths.log}:\n${logTail(paths.log)}`,
    daemonExited: exitCode !== null && exitCode !== ALREADY_RUNNING,
  };
}

function logTail(path: string): string {
  if (!existsSync(path)) return '(no log)';
  return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
}

function pipe(socket: Socket, claim: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      resolve(code);
    };
    // Keystrokes are tiny writes: never hold one back waiting for an ACK (Nagle).
    socket.setNoDelay(true);
    // Written before stdin is piped: the daemon reads the claim before any byte the client sends.
    socket.write(claim);
    process.stdin.pipe(socket);
    socket.pipe(process.stdout);
    // The client went away (SSH channel closed): drop the daemon connection; sessions keep running.
    process.stdin.once('end', () => socket.end());
    process.stdin.once('error', () => socket.destroy());
    process.stdout.once('error', () => socket.destroy());
    socket.once('error', (error) => {
      process.stderr.write(`agent-host bridge: ${error.message}\n`);
      finish(1);
    });
    socket.once('close', () => {
      process.stdout.once('finish', () => finish(0));
      process.stdout.end();
      setTimeout(() => finish(0), 1000).unref();
    });
  });
}
