import type { ToolDecision } from '../../common/protocol/agentEndpoint';
import { redactValues } from '../../common/security/redact';
import type { AuditLog } from '../audit/auditLog';
import type { Profile } from './launchSpec';

export interface ToolCall {
  agent: string;
  callId: string;
  tool: string;
  input: Record<string, unknown>;
  subagent?: string;
}

/**
 * The one host-side decision point every tool call of every agent passes (the built-in agent's own tools, Claude
 * Code's and Codex's through their hooks, the MCP endpoint's). The decision is audited before it is returned, and a
 * call whose record cannot be written is denied: fail closed. Governance adds its policy here.
 */
export class ToolGate {
  constructor(private readonly audit: AuditLog) {}

  decide(call: ToolCall, profile: Profile, secrets: readonly { name: string; value: string }[]): ToolDecision {
    const decision = this.rule(call, profile);
    try {
      this.audit.append({
        actor: `agent:${call.agent}`,
        action: 'tool.call',
        target: `tool:${call.tool}`,
        reason: decision.reason,
        outcome: decision.decision === 'allow' ? 'ok' : 'denied',
        data: redactValues(
          { callId: call.callId, input: call.input, rule: decision.rule, ...(call.subagent ? { subagent: call.subagent } : {}) },
          secrets,
        ),
      });
    } catch (error) {
      return { decision: 'deny', reason: `the host could not audit this call, so it is refused (${String(error)})`, rule: 'audit-unavailable' };
    }
    return decision;
  }

  done(agent: string, callId: string, tool: string, ok: boolean, summary: string, secrets: readonly { name: string; value: string }[]): void {
    this.audit.append({
      actor: `agent:${agent}`,
      action: 'tool.result',
      target: `tool:${tool}`,
      outcome: ok ? 'ok' : 'error',
      data: redactValues({ callId, summary }, secrets),
    });
  }

  private rule(call: ToolCall, profile: Profile): ToolDecision {
    const denied = profile.denyTools.find((pattern) => new RegExp(`^(?:${pattern})$`).test(call.tool));
    if (denied !== undefined) {
      return {
        decision: 'deny',
        reason: `the profile ${profile.name} does not allow the tool ${call.tool}`,
        rule: `profile:${profile.name}:deny_tools:${denied}`,
      };
    }
    return { decision: 'allow', reason: null, rule: 'default-allow' };
  }
}
