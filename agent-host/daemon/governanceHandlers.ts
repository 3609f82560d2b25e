import type { HostProtocol } from '../../common/protocol/methods';
import type { RpcPeer } from '../../common/wire/peer';
import type { AuditReader } from '../audit/auditReader';
import type { Governance } from '../governance/governance';
import type { Actor } from '../sessions/sessionManager';

export interface GovernanceHandlerContext {
  governance: Governance;
  auditReader: AuditReader;
}

/**
 * The human side of governance on one client connection. Approvals are decided here and only here: an agent's own
 * endpoint has no such method, and the control socket is invisible inside its sandbox.
 */
export function registerGovernanceHandlers(
  peer: RpcPeer<HostProtocol>,
  host: GovernanceHandlerContext,
  actor: () => Actor,
  guarded: <T>(fn: () => T) => T,
): void {
  peer.handle('policy.show', ({ repo }) =>
    guarded(async () => ({ policy: (await host.governance.policyFor(repo)).policy, sandbox: await host.governance.sandboxSupport() })),
  );
  peer.handle('policy.check', ({ repo, ref }) => guarded(() => host.governance.policyFor(repo, ref)));
  peer.handle('approval.list', () => guarded(() => ({ approvals: host.governance.approvals.list() })));
  peer.handle('approval.decide', ({ id, approve, reason }) =>
    guarded(() => {
      const by = actor();
      return { approval: host.governance.approvals.decide(id, approve, by.actor, reason ?? null, by.data) };
    }),
  );
  peer.handle('audit.list', (params) => guarded(() => host.auditReader.list(params)));
}
