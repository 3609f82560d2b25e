import type { HostConfig } from '../config';
import { AlreadyRunningError } from '../daemon/daemonLock';
import { Daemon } from '../daemon/daemon';

/** `agent-host serve`: runs the daemon in the foreground until signalled or asked to shut down. */
export async function serve(config: HostConfig): Promise<number> {
  let daemon: Daemon;
  try {
    daemon = await Daemon.start(config);
  } catch (error) {
    if (error instanceof AlreadyRunningError) {
      process.stderr.write(`agent-host: ${error.message}\n`);
      return 3;
    }
    throw error;
  }
  process.on('SIGTERM', () => void daemon.stop('SIGTERM'));
  process.on('SIGINT', () => void daemon.stop('SIGINT'));
  // Started from a bridge, the daemon outlives the SSH session that started it.
  process.on('SIGHUP', () => daemon.log('ignoring SIGHUP'));
  // One bad request must not take every session down; the error is logged and the daemon carries on.
  process.on('uncaughtException', (error) => daemon.log(`uncaught: ${error.stack ?? error.message}`));
  await daemon.stopped;
  return 0;
}
