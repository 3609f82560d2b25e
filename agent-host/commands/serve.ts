import type { HostConfig } from '../config';
import { AlreadyRunningError } from '../daemon/daemonLock';
import { Daemon } from '../daemon/daemon';
import { startHeapTrimmer } from '../daemon/heapTrimmer';

/**
 * `agent-host serve`: runs the daemon in the foreground until signalled or asked to shut down. Exit 0 after a
 * requested stop, 1 after a fault that made it stop (a database error), 3 when another daemon holds the lock.
 */
export async function serve(config: HostConfig): Promise<number> {
  // A foreground daemon whose terminal or SSH session went away has nowhere to log; logging the failure to
  // log would only fail again (and did, in a loop that kept the daemon from ever stopping).
  process.stderr.on('error', () => {});
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
  // Errors thrown from timers and callbacks (and unhandled rejections): the daemon decides by kind (Daemon.fault).
  process.on('uncaughtException', (error) => daemon.fault(error, 'an uncaught exception'));
  const heapTrimmer = startHeapTrimmer();
  if (!heapTrimmer.trimming) daemon.log('memory: no glibc malloc_trim here; memory freed by the GC stays with the allocator');
  await daemon.stopped;
  heapTrimmer.stop();
  return daemon.failed ? 1 : 0;
}
