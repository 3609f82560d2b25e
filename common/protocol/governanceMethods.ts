import { z } from 'zod';
import { RepoName } from './agents';
import { notification, request } from './define';
import { ApprovalEvent, ApprovalId, ApprovalInfo, AuditListParams, AuditRecordInfo, SandboxSupport } from './governance';
import { EffectivePolicy } from './policy';

const Empty = z.object({}).strict();

/** The human side of governance: what the policy is, approvals, the audit trail. Merged into hostProtocol. */
export const governanceMethods = {
  'policy.show': request({
    direction: 'client-to-host',
    summary: "The effective policy (the host's, narrowed by the repo's .flightdeck/policy.yaml when a repo is named), each rule with its source.",
    params: z.object({ repo: RepoName.optional() }),
    result: z.object({ policy: EffectivePolicy, sandbox: SandboxSupport }),
  }),
  'policy.check': request({
    direction: 'client-to-host',
    summary: "Validate a repo's .flightdeck/policy.yaml (as its branch has it on origin, fetched first) against the host policy.",
    params: z.object({ repo: RepoName, ref: z.string().min(1).max(256).optional() }),
    result: z.object({ policy: EffectivePolicy, file: z.string().nullable() }),
  }),
  'approval.list': request({
    direction: 'client-to-host',
    summary: 'Approvals waiting for a person, and the ones decided recently.',
    params: Empty,
    result: z.object({ approvals: z.array(ApprovalInfo) }),
  }),
  'approval.decide': request({
    direction: 'client-to-host',
    summary: 'Approve or reject a held action; audited with the person who decided.',
    params: z.object({ id: ApprovalId, approve: z.boolean(), reason: z.string().max(4096).optional() }),
    result: z.object({ approval: ApprovalInfo }),
  }),
  'approval.event': notification({
    direction: 'host-to-client',
    summary: 'An approval was requested or decided.',
    params: ApprovalEvent,
  }),
  'audit.list': request({
    direction: 'client-to-host',
    summary: 'Audit records, newest last, filtered by agent, action, outcome and time.',
    params: AuditListParams,
    result: z.object({ records: z.array(AuditRecordInfo), more: z.boolean() }),
  }),
};
