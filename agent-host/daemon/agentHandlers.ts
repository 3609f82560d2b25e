import type { HostProtocol } from '../../common/protocol/methods';
import type { RpcPeer } from '../../common/wire/peer';
import type { AgentManager } from '../agents/agentManager';
import type { AuditLog } from '../audit/auditLog';
import type { Repos } from '../repos/repos';
import type { Actor } from '../sessions/sessionManager';

export interface AgentHandlerContext {
  repos: Repos;
  agents: AgentManager;
  audit: AuditLog;
}

/** The human side of repos and agents on one client connection; `guarded` refuses everything before host.hello. */
export function registerAgentHandlers(
  peer: RpcPeer<HostProtocol>,
  host: AgentHandlerContext,
  actor: () => Actor,
  guarded: <T>(fn: () => T) => T,
): void {
  peer.handle('repo.add', ({ name, url, branch }) =>
    guarded(async () => {
      const by = actor();
      const audit = { actor: by.actor, action: 'repo.add', target: `repo:${name}` };
      try {
        const repo = await host.repos.add(name, url, branch, (progress) => peer.notify('repo.progress', { name, ...progress }));
        host.audit.append({ ...audit, outcome: 'ok', data: { ...by.data, url, branch: repo.branch } });
        return { repo };
      } catch (error) {
        host.audit.append({ ...audit, outcome: 'error', data: { ...by.data, url, branch: branch ?? null, error: String(error) } });
        throw error;
      }
    }),
  );
  peer.handle('repo.list', () => guarded(() => ({ repos: host.repos.list() })));
  peer.handle('repo.remove', ({ name }) =>
    guarded(async () => {
      const by = actor();
      await host.repos.remove(name, host.agents.worktreesOf(name));
      host.audit.append({ actor: by.actor, action: 'repo.remove', target: `repo:${name}`, outcome: 'ok', data: by.data });
      return {};
    }),
  );
  peer.handle('profile.list', () => guarded(() => ({ profiles: host.agents.profileInfos() })));
  peer.handle('agent.start', (params) => guarded(async () => ({ agent: await host.agents.start(params, actor()) })));
  peer.handle('agent.list', () => guarded(() => ({ agents: host.agents.list() })));
  peer.handle('agent.send', ({ agent, text }) => guarded(() => ({ delivery: host.agents.send(agent, text, actor()) })));
  peer.handle('agent.stop', ({ agent }) => guarded(() => ({ agent: host.agents.stop(agent, actor()) })));
  peer.handle('agent.resume', ({ agent, cols, rows }) => guarded(async () => ({ agent: await host.agents.resume(agent, { cols, rows }, actor()) })));
  peer.handle('agent.remove', ({ agent, force }) =>
    guarded(async () => {
      await host.agents.remove(agent, force, actor());
      return {};
    }),
  );
}
