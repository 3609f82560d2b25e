import { anchorProblem } from '../../common/audit/anchor';
import type { HelloResult, HostProtocol } from '../../common/protocol/methods';
import type { RpcPeer } from '../../common/wire/peer';
import type { AuditAnchor, Store } from '../store/store';

/** The alarm when the agent-host answering under a host's name is not the one whose chain this app saw. */
export function identityChanged(host: string, anchor: AuditAnchor, hostId: string): string {
  return (
    `agent-host on ${host} answers as another host (id ${hostId.slice(0, 8)}…, was ${anchor.hostId.slice(0, 8)}…): ` +
    `its database was replaced, and the audit chain seen up to record ${anchor.seq} is gone`
  );
}

/**
 * After each connect: does the host's audit chain still hold the newest record this app saw of it? The host keeps
 * its chain's head in the same database as the chain, so cutting the tail and rewriting the head fools the host's
 * own check; only a head kept here reveals it. Returns the alarm (sticky until accepted), or null and moves the anchor on.
 */
export async function checkAuditAnchor(store: Store, host: string, hello: HelloResult, peer: RpcPeer<HostProtocol>): Promise<string | null> {
  const anchor = store.auditAnchor(host);
  if (anchor?.alarm) return anchor.alarm;
  let alarm: string | null = null;
  if (anchor && anchor.hostId !== hello.hostId) alarm = identityChanged(host, anchor, hello.hostId);
  else if (anchor) {
    const { hash } = await peer.request('audit.hashAt', { seq: anchor.seq });
    if (hash !== anchor.hash) alarm = anchorProblem(anchor, hash, hello.auditHead);
  }
  if (alarm) {
    store.raiseAuditAlarm(host, alarm);
    return alarm;
  }
  if (hello.auditHead) store.saveAuditAnchor(host, hello.hostId, hello.auditHead);
  return null;
}
