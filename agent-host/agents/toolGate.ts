import type { ToolDecision } from '../../common/protocol/agentEndpoint';
import { redactValues } from '../../common/security/redact';
import { findSecrets } from '../../common/security/secretShapes';
import type { AuditLog } from '../audit/auditLog';
import type { Approvals } from '../governance/approvals';
import type { GateRules } from '../governance/gateRules';
import { commandOf, writtenPaths } from '../governance/toolInputs';
import type { Profile } from './launchSpec';

export interface ToolCall {
  agent: string;
  callId: string;
  tool: string;
  input: Record<string, unknown>;
  subagent?: string;
}

/** What the gate knows about the agent whose call it decides. */
export interface GateSubject {
  profile: Profile;
  rules: GateRules;
  secrets: readonly { name: string; value: string }[];
}

type Verdict = ToolDecision & { approval?: { id: string; by: string } };

/**
 * The one host-side decision point every tool call of every agent passes (the built-in agent's own tools, Claude
 * Code's and Codex's through their hooks, the MCP endpoint's): the profile's deny_tools, then the policy — tools.deny,
 * commands.deny / commands.ask (held for a person's approval), paths.write. The decision is audited before it is
 * returned (command.run for commands, file.write for file tools, tool.call otherwise), and a call whose record
 * cannot be written is denied: fail closed.
 */
export class ToolGate {
  constructor(
    private readonly audit: AuditLog,
    private readonly approvals: Approvals,
  ) {}

  async decide(call: ToolCall, subject: GateSubject): Promise<ToolDecision> {
    const command = commandOf(call.tool, call.input);
    const paths = command === null ? writtenPaths(call.tool, call.input) : null;
    let verdict: Verdict;
    try {
      verdict = await this.rule(call, subject, command, paths);
    } catch (error) {
      verdict = { decision: 'deny', reason: `the host could not decide on this call, so it is refused (${String(error)})`, rule: 'decision-failed' };
    }
    const findings = command === null ? [] : [...new Set(findSecrets(command).map((found) => found.kind))];
    try {
      // Group commit: the decision goes out only once its record is stored (fail closed).
      await this.audit.appendDurable({
        actor: `agent:${call.agent}`,
        action: command !== null ? 'command.run' : paths !== null ? 'file.write' : 'tool.call',
        target: command !== null ? `command:${command.slice(0, 200)}` : `tool:${call.tool}`,
        reason: verdict.reason,
        outcome: verdict.decision === 'allow' ? 'ok' : 'denied',
        data: redactValues(
          {
            callId: call.callId,
            tool: call.tool,
            input: call.input,
            rule: verdict.rule,
            ...(paths ? { paths } : {}),
            ...(findings.length > 0 ? { secretFindings: findings } : {}),
            ...(verdict.approval ? { approval: verdict.approval } : {}),
            ...(call.subagent ? { subagent: call.subagent } : {}),
          },
          subject.secrets,
        ),
      });
    } catch (error) {
      return { decision: 'deny', reason: `the host could not audit this call, so it is refused (${String(error)})`, rule: 'audit-unavailable' };
    }
    return { decision: verdict.decision, reason: verdict.reason, rule: verdict.rule };
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

  private async rule(call: ToolCall, subject: GateSubject, command: string | null, paths: string[] | null): Promise<Verdict> {
    const { profile, rules } = subject;
    const denied = profile.denyTools.find((pattern) => new RegExp(`^(?:${pattern})$`).test(call.tool));
    if (denied !== undefined) {
      return { decision: 'deny', reason: `the profile ${profile.name} does not allow the tool ${call.tool}`, rule: `profile:${profile.name}:deny_tools:${denied}` };
    }
    const toolRule = rules.toolDenied(call.tool);
    if (toolRule) return { decision: 'deny', reason: `the policy does not allow the tool ${call.tool} (${toolRule.source})`, rule: toolRule.rule };
    if (paths !== null) {
      const outside = paths.find((path) => !rules.writable(path));
      if (outside !== undefined) {
        return {
          decision: 'deny',
          reason: `${outside} is outside the agent's worktree and the policy's paths.write`,
          rule: 'paths.write',
        };
      }
    }
    if (command === null) return { decision: 'allow', reason: null, rule: 'default-allow' };
    if (command.trim() === '') return { decision: 'deny', reason: `the host cannot read the command ${call.tool} would run`, rule: 'command-unreadable' };
    const match = rules.command(command);
    if (match.verdict === 'deny') {
      return { decision: 'deny', reason: `the policy forbids this command: ${match.rule} (${match.source})`, rule: match.rule };
    }
    if (match.verdict === 'allow') return { decision: 'allow', reason: null, rule: match.rule };
    const outcome = await this.approvals.request({ agent: call.agent, tool: call.tool, command, rule: match.rule, source: match.source });
    if (outcome.approved) return { decision: 'allow', reason: `approved by ${outcome.by}`, rule: match.rule, approval: { id: outcome.id, by: outcome.by } };
    const why = outcome.by === 'host' ? (outcome.reason ?? 'not approved in time') : `rejected by ${outcome.by}${outcome.reason ? `: ${outcome.reason}` : ''}`;
    return { decision: 'deny', reason: `this command needs a person's approval (${match.rule}), and it was ${why}`, rule: match.rule, approval: { id: outcome.id, by: outcome.by } };
  }
}
