import type { HostProtocol } from '../../common/protocol/methods';
import type { RpcPeer } from '../../common/wire/peer';
import type { Inbox } from '../orchestration/inbox';
import type { Orchestrator } from '../orchestration/orchestrator';
import type { RunbookLibrary } from '../runbooks/runbookLibrary';
import type { Actor } from '../sessions/sessionManager';

export interface RunHandlerContext {
  runbooks: RunbookLibrary;
  orchestrator: Orchestrator;
  inbox: Inbox;
}

/** The human side of orchestration on one client connection: runbooks, runs, plans, the inbox. */
export function registerRunHandlers(
  peer: RpcPeer<HostProtocol>,
  host: RunHandlerContext,
  actor: () => Actor,
  guarded: <T>(fn: () => T) => T,
): void {
  peer.handle('runbook.list', ({ repo }) => guarded(() => host.runbooks.list(repo)));
  peer.handle('run.start', (params) => guarded(async () => ({ run: await host.orchestrator.start(params, actor()) })));
  peer.handle('run.list', () => guarded(() => ({ runs: host.orchestrator.list() })));
  peer.handle('run.show', ({ run }) => guarded(() => host.orchestrator.show(run)));
  peer.handle('run.record', ({ run }) => guarded(() => ({ record: host.orchestrator.record(run) })));
  peer.handle('run.cancel', ({ run }) => guarded(async () => ({ run: await host.orchestrator.cancel(run, actor()) })));
  peer.handle('run.pause', ({ run }) => guarded(() => ({ run: host.orchestrator.pause(run, actor()) })));
  peer.handle('run.resume', ({ run }) => guarded(async () => ({ run: await host.orchestrator.resume(run, actor()) })));
  peer.handle('plan.edit', ({ run, plan, note }) => guarded(() => ({ version: host.orchestrator.editPlan(run, plan, note ?? null, actor()) })));
  peer.handle('inbox.list', () => guarded(() => ({ items: host.inbox.list() })));
  peer.handle('inbox.show', ({ item }) => guarded(() => host.inbox.show(item)));
  peer.handle('inbox.decide', ({ item, decision, text }) => guarded(() => host.inbox.decide(item, decision, text, actor())));
}
