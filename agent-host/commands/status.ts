import type { HostStats } from '../../common/protocol/methods';
import type { SessionInfo } from '../../common/protocol/session';
import { errorMessage } from '../../common/wire/errors';
import { statePaths, type HostConfig } from '../config';
import { openDaemonPeer } from '../daemon/daemonClient';
import { HOST_VERSION } from '../version';

/** `agent-host status [--json]`: is the daemon up, and what runs there. Exit 0 running, 1 not running. */
export async function status(config: HostConfig, json: boolean): Promise<number> {
  const socket = statePaths(config.stateDir).socket;
  let connection: Awaited<ReturnType<typeof openDaemonPeer>>;
  try {
    connection = await openDaemonPeer(socket, 'agent-host-status');
  } catch (error) {
    return report(json, { running: false, stateDir: config.stateDir, error: errorMessage(error) }, 1);
  }
  if (!connection) return report(json, { running: false, stateDir: config.stateDir }, 1);
  const { peer, hello } = connection;
  try {
    const [stats, list] = await Promise.all([peer.request('host.stats', {}), peer.request('session.list', {})]);
    const result = { running: true, stateDir: config.stateDir, hostId: hello.hostId, stats, sessions: list.sessions };
    if (json) return report(true, result, 0);
    process.stdout.write(human(stats, list.sessions, config.stateDir));
    return 0;
  } finally {
    peer.close();
  }
}

function report(json: boolean, value: Record<string, unknown>, code: number): number {
  if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`agent-host ${HOST_VERSION}: daemon not running (state dir ${value.stateDir})${value.error ? `: ${value.error}` : ''}\n`);
  return code;
}

function human(stats: HostStats, sessions: SessionInfo[], stateDir: string): string {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const lines = [
    `agent-host ${stats.hostVersion} running, pid ${stats.pid}, up ${Math.round(stats.uptimeMs / 1000)} s, rss ${mb(stats.rssBytes)}`,
    `state dir ${stateDir}, host id ${stats.hostId}, ${stats.clients} client(s)`,
    `${stats.sessions.total} session(s), ${stats.sessions.running} running`,
  ];
  for (const session of sessions) {
    const exit = session.status === 'exited' ? ` (${session.exitSignal ?? `code ${session.exitCode}`})` : '';
    lines.push(`  ${session.id}  ${session.status}${exit}  ${session.name}  ${mb(session.endOffset)} output  ${session.cwd}`);
  }
  return `${lines.join('\n')}\n`;
}
