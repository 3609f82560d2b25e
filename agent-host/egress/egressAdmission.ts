// How the egress proxy admits one request: it resolves the name itself, asks the policy, and writes the decision's
// audit record before anything goes out (a record that cannot be written denies); the end record closes it.
import { randomUUID } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { classifyAddress, formatAuthority } from './addresses';
import type { AgentListener } from './agentListener';
import type { EgressDecision, EgressDecisionRecord, EgressEndRecord, EgressName, EgressProxyOptions, EgressTarget } from './egressTypes';
import { explain } from './proxyAnswers';

export interface Admission {
  id: string;
  target: EgressTarget;
  decision: EgressDecision;
  path: string | undefined;
}

export type EndFields = Pick<EgressEndRecord, 'outcome'> & Partial<Pick<EgressEndRecord, 'address' | 'status' | 'bytesUp' | 'bytesDown' | 'error'>>;

async function defaultLookup(host: string): Promise<string[]> {
  const results = await dnsLookup(host, { all: true, verbatim: true });
  return results.map((result) => result.address);
}

function checkedDecision(value: unknown): EgressDecision {
  const decision = value as Partial<EgressDecision> | undefined;
  if (decision && typeof decision.allow === 'boolean' && typeof decision.rule === 'string') {
    return { allow: decision.allow, rule: decision.rule, reason: typeof decision.reason === 'string' ? decision.reason : '' };
  }
  return { allow: false, rule: 'egress.error', reason: 'the egress policy returned no decision' };
}

export class EgressAdmission {
  constructor(private readonly options: Pick<EgressProxyOptions, 'beforeResolve' | 'decide' | 'lookup' | 'audit' | 'log'>) {}

  /** Resolves, decides and audits one request; undefined when the agent's socket closed meanwhile. Never throws. */
  async admit(listener: AgentListener, name: EgressName, path: string | undefined): Promise<Admission | undefined> {
    let target: EgressTarget = { ...name, addresses: [], loopback: false, linkLocal: false };
    let decision: EgressDecision;
    try {
      const early = await this.options.beforeResolve?.(name);
      if (early) {
        decision = { allow: false, rule: early.rule, reason: early.reason };
      } else {
        target = await this.resolve(name);
        decision = checkedDecision(await this.options.decide(target));
      }
    } catch (error) {
      decision = { allow: false, rule: 'egress.error', reason: `the egress policy could not decide: ${explain(error)}` };
    }
    if (listener.closing) {
      this.options.log(`egress ${name.agent}: ${name.method} ${formatAuthority(name.host, name.port)} dropped: the agent's egress socket closed`);
      return undefined;
    }
    const record: EgressDecisionRecord = {
      type: 'decision',
      id: randomUUID(),
      at: Date.now(),
      agent: name.agent,
      kind: name.kind,
      method: name.method,
      host: name.host,
      port: name.port,
      ...(path === undefined ? {} : { path: path.split('?')[0] ?? '' }),
      addresses: target.addresses,
      loopback: target.loopback,
      linkLocal: target.linkLocal,
      outcome: decision.allow ? 'allowed' : 'denied',
      rule: decision.rule,
      reason: decision.reason,
    };
    try {
      this.options.audit(record);
    } catch (error) {
      this.options.log(
        `egress ${name.agent}: the audit record for ${name.method} ${formatAuthority(name.host, name.port)} could not be written (${explain(error)}): denied`,
      );
      if (decision.allow) {
        decision = { allow: false, rule: 'audit', reason: 'the audit record could not be written, so the request is refused' };
        try {
          this.options.audit({ ...record, outcome: 'denied', rule: decision.rule, reason: decision.reason });
        } catch {
          // Still failing; the log line above says so, and nothing goes out.
        }
      }
    }
    return { id: record.id, target, decision, path };
  }

  private async resolve(name: EgressName): Promise<EgressTarget> {
    let addresses: string[] = [];
    let resolveError: string | undefined;
    if (name.ip) {
      addresses = [name.host];
    } else {
      try {
        addresses = [...new Set(await (this.options.lookup ?? defaultLookup)(name.host))];
        if (addresses.length === 0) resolveError = 'no addresses';
      } catch (error) {
        resolveError = explain(error);
      }
    }
    const classes = addresses.map(classifyAddress);
    return {
      ...name,
      addresses,
      loopback: classes.some((c) => c.loopback),
      linkLocal: classes.some((c) => c.linkLocal),
      ...(resolveError === undefined ? {} : { resolveError }),
    };
  }


  ender(admission: Admission, started: number): (fields: EndFields) => void {
    let ended = false;
    const { target } = admission;
    return (fields) => {
      if (ended) return;
      ended = true;
      const record: EgressEndRecord = {
        type: 'end',
        id: admission.id,
        at: Date.now(),
        agent: target.agent,
        kind: target.kind,
        method: target.method,
        host: target.host,
        port: target.port,
        ...(fields.address === undefined ? {} : { address: fields.address }),
        outcome: fields.outcome,
        ...(fields.status === undefined ? {} : { status: fields.status }),
        bytesUp: fields.bytesUp ?? 0,
        bytesDown: fields.bytesDown ?? 0,
        durationMs: Date.now() - started,
        ...(fields.error === undefined ? {} : { error: fields.error }),
      };
      try {
        this.options.audit(record);
      } catch (error) {
        this.options.log(`egress ${target.agent}: the end record for ${formatAuthority(target.host, target.port)} could not be written: ${explain(error)}`);
      }
    };
  }
}
