import { z } from 'zod';
import { request } from '../protocol/define';
import { AuditListParams, AuditRecordInfo, SandboxSupport } from '../protocol/governance';
import { AuditHead, AuditVerifyResult } from '../protocol/methods';
import { RepoName } from '../protocol/agents';
import { EffectivePolicy } from '../protocol/policy';
import { HostName } from './hosts';
import { Stale } from './runs';

/** The AppApi's audit and policy requests (spread into appApi). */
export const governanceApi = {
  'audit.list': request({
    direction: 'client-to-host',
    summary:
      "A host's audit records, newest last, filtered like `audit list`; from the app's mirror (stale) when the host cannot be asked. " +
      "alarm: the mirror's \"this host rewrote its history\" alarm, when raised.",
    params: AuditListParams.extend({ host: HostName }),
    result: z.object({ records: z.array(AuditRecordInfo), more: z.boolean(), stale: Stale.nullable(), alarm: z.string().nullable() }),
  }),
  'audit.verify': request({
    direction: 'client-to-host',
    summary:
      "Walk a host's audit chain and check it still holds the newest record this app saw of it. accept: take the host's " +
      'chain as it is now as the new anchor (after investigating an alarm).',
    params: z.object({ host: HostName, accept: z.boolean().default(false) }),
    result: AuditVerifyResult.extend({
      host: HostName,
      /** The head this app had seen before, checked against the chain; null the first time. */
      anchor: AuditHead.nullable(),
      anchorHeld: z.boolean().nullable(),
      alarm: z.string().nullable(),
    }),
  }),
  'policy.show': request({
    direction: 'client-to-host',
    summary: "A host's effective policy (narrowed by a repo's .flightdeck/policy.yaml when a repo is named), each rule with its source.",
    params: z.object({ host: HostName, repo: RepoName.optional() }),
    result: z.object({ host: HostName, policy: EffectivePolicy, sandbox: SandboxSupport }),
  }),
} as const;
