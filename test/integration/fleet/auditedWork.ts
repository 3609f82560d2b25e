// Audited work on a host for tests of the audit chain: each session start is one record.
import type { FleetCore } from '../../../main/core/fleetCore';

/** Starts `count` sessions on `host`, one after another, each exited before the next starts. */
export async function auditedWork(core: FleetCore, host: string, count: number): Promise<void> {
  const lane = await core.host(host).lane();
  for (let i = 0; i < count; i++) {
    let exited = (): void => undefined;
    const done = new Promise<void>((resolve) => (exited = resolve));
    const { session } = await lane.peer.request('session.start', { command: 'sh', args: ['-c', 'exit 0'], name: `w${i}` });
    const stop = lane.peer.onNotification('session.event', ({ type, session: info }) => {
      if (type === 'exited' && info.id === session.id) exited();
    });
    if ((await lane.peer.request('session.list', {})).sessions.some((info) => info.id === session.id && info.status === 'exited')) exited();
    await done.finally(stop);
  }
}
