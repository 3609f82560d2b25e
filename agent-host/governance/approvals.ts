import { randomBytes } from 'node:crypto';
import { Emitter, type ListenerErrorHandler } from '../../common/events';
import type { ApprovalEvent, ApprovalInfo } from '../../common/protocol/governance';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';

/** How long an action waits for a person before it counts as rejected. */
export const APPROVAL_TIMEOUT_MS = 10 * 60_000;

export interface ApprovalRequest {
  agent: string;
  tool: string;
  command: string;
  rule: string;
  source: string;
  timeoutMs?: number;
}

export interface ApprovalOutcome {
  id: string;
  approved: boolean;
  by: string;
  reason: string | null;
}

interface Pending {
  info: ApprovalInfo;
  resolve: (outcome: ApprovalOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Actions that policy holds for a person (commands.ask). The agent's tool call waits on `request`; only `decide`,
 * reached from a person's bridge connection, ends the wait — never the agent's own endpoint. Undecided past the
 * deadline counts as rejected. Request and decision are audited; an action whose request cannot be audited is refused.
 */
export class Approvals {
  readonly events: Emitter<ApprovalEvent>;
  private readonly pending = new Map<string, Pending>();
  /** Decided ones, newest last, so a list shows what just happened; bounded. */
  private readonly decided: ApprovalInfo[] = [];

  constructor(
    private readonly audit: AuditLog,
    onListenerError?: ListenerErrorHandler,
  ) {
    this.events = new Emitter({ name: 'approval events', onListenerError });
  }

  list(): ApprovalInfo[] {
    return [...this.decided, ...[...this.pending.values()].map((entry) => entry.info)];
  }

  pendingFor(agent: string): ApprovalInfo[] {
    return [...this.pending.values()].filter((entry) => entry.info.agent === agent).map((entry) => entry.info);
  }

  /** Resolves when a person decides or the deadline passes; throws (the caller denies) when it cannot be audited. */
  request(request: ApprovalRequest): Promise<ApprovalOutcome> {
    const now = Date.now();
    const timeoutMs = request.timeoutMs ?? APPROVAL_TIMEOUT_MS;
    const info: ApprovalInfo = {
      id: `ap-${randomBytes(4).toString('hex')}`,
      agent: request.agent,
      tool: request.tool,
      command: request.command,
      rule: request.rule,
      source: request.source,
      status: 'pending',
      requestedAt: now,
      expiresAt: now + timeoutMs,
      decidedBy: null,
      decidedAt: null,
      reason: null,
    };
    this.audit.append({
      actor: `agent:${request.agent}`,
      action: 'approval.request',
      target: `approval:${info.id}`,
      reason: `${request.rule} (${request.source})`,
      outcome: 'ok',
      data: { tool: request.tool, command: request.command, rule: request.rule, source: request.source, expiresAt: info.expiresAt },
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const reason = `nobody decided within ${timeoutMs % 60_000 === 0 ? `${timeoutMs / 60_000} min` : `${timeoutMs} ms`}`;
        this.settle(info.id, 'expired', 'host', reason);
      }, timeoutMs);
      timer.unref();
      this.pending.set(info.id, { info, resolve, timer });
      this.events.emit({ type: 'requested', approval: info });
    });
  }

  /** A person's decision. The record is written first: a decision that cannot be audited does not take effect. */
  decide(id: string, approve: boolean, by: string, reason: string | null, data: Record<string, unknown> = {}): ApprovalInfo {
    const entry = this.pending.get(id);
    if (!entry) {
      const done = this.decided.find((info) => info.id === id);
      if (done) throw new WireError(WireErrorCode.InvalidRequest, `approval ${id} is already ${done.status}`, { approval: id });
      throw new WireError(WireErrorCode.ApprovalNotFound, `no approval ${id} on this host`, { approval: id });
    }
    return this.settle(id, approve ? 'approved' : 'rejected', by, reason, data);
  }

  /** The agent went away: its pending approvals end as rejected (nobody is waiting for them any more). */
  dropAgent(agent: string): void {
    for (const entry of [...this.pending.values()]) {
      if (entry.info.agent === agent) this.settle(entry.info.id, 'expired', 'host', 'the agent stopped');
    }
  }

  private settle(id: string, status: 'approved' | 'rejected' | 'expired', by: string, reason: string | null, data: Record<string, unknown> = {}): ApprovalInfo {
    const entry = this.pending.get(id)!;
    const info: ApprovalInfo = { ...entry.info, status, decidedBy: by, decidedAt: Date.now(), reason };
    this.audit.append({
      actor: by === 'host' ? 'host' : by,
      action: 'approval.decision',
      target: `approval:${id}`,
      reason,
      outcome: status === 'approved' ? 'ok' : 'denied',
      data: { ...data, agent: info.agent, command: info.command, decision: status },
    });
    clearTimeout(entry.timer);
    this.pending.delete(id);
    this.decided.push(info);
    if (this.decided.length > 200) this.decided.shift();
    entry.resolve({ id, approved: status === 'approved', by, reason });
    this.events.emit({ type: 'decided', approval: info });
    return info;
  }
}
