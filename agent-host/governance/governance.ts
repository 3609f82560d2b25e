import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListenerErrorHandler } from '../../common/events';
import type { SandboxSupport } from '../../common/protocol/governance';
import { describeSource, type EffectivePolicy } from '../../common/protocol/policy';
import type { AuditLog } from '../audit/auditLog';
import { EgressProxy, type EgressRecord, type EgressTarget } from '../egress/egressProxy';
import type { Db } from '../journal/database';
import { effectivePolicy, HOST_POLICY_FILE, loadHostPolicy, matchEgress, parsePolicy, type PolicyLayer } from '../policy';
import type { Repos } from '../repos/repos';
import { probeSandbox, sandboxCommand, type SandboxProbe } from '../sandbox';
import { hiddenPaths } from './agentConfinement';
import { Approvals } from './approvals';
import { withModelEndpoints } from './modelEndpoints';

/** Where a repo keeps the policy that narrows the host's for its agents. */
export const REPO_POLICY_FILE = '.flightdeck/policy.yaml';

export interface GovernanceDeps {
  stateDir: string;
  db: Db;
  audit: AuditLog;
  repos: Repos;
  log: (message: string) => void;
  onListenerError?: ListenerErrorHandler;
}

/**
 * What the host enforces around agents, whatever they decide: the policy (host file, narrowed by the repo's), the
 * sandbox this host can build, the egress proxy every sandboxed agent's network goes through, and the approvals that
 * hold actions for a person. Per-agent confinement is built from it (agentConfinement.ts).
 */
export class Governance {
  readonly approvals: Approvals;
  readonly egress: EgressProxy;
  /** The policy each agent with an egress socket runs under, for the proxy's decisions. */
  private readonly egressPolicies = new Map<string, EffectivePolicy>();
  private readonly readMeta;
  private readonly writeMeta;

  constructor(private readonly deps: GovernanceDeps) {
    this.approvals = new Approvals(deps.audit, deps.onListenerError);
    this.readMeta = deps.db.prepare("SELECT value FROM meta WHERE key = 'policy_hash'");
    this.writeMeta = deps.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('policy_hash', ?)");
    this.egress = new EgressProxy({
      decide: (target) => this.decideEgress(target),
      beforeResolve: (name) => {
        // Names no rule could allow are refused before any DNS query: an agent cannot leak data through look-ups.
        const policy = this.egressPolicies.get(name.agent);
        if (!policy) return { rule: 'no-policy', reason: 'this agent has no egress policy' };
        const decision = matchEgress(policy, name.host, name.port, { resolvedIsLoopbackOrLinkLocal: false });
        return decision.allow ? undefined : { rule: decision.rule, reason: decision.reason };
      },
      audit: (record) => this.auditEgress(record),
      log: deps.log,
    });
  }

  get stateDir(): string {
    return this.deps.stateDir;
  }

  async sandboxSupport(): Promise<SandboxSupport> {
    return supportOf(await probeSandbox());
  }

  probe(): Promise<SandboxProbe> {
    return probeSandbox();
  }

  /**
   * The host's policy file as it is now (the closed defaults without one). A file that changed since the host last
   * read it is audited as policy.change, with both hashes: the file is the VM owner's, edited outside Flightdeck.
   */
  hostPolicy(): PolicyLayer {
    const layer = loadHostPolicy(this.deps.stateDir);
    const file = join(this.deps.stateDir, HOST_POLICY_FILE);
    const hash = existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'none';
    const previous = (this.readMeta.get() as { value: string } | undefined)?.value ?? 'none';
    if (hash !== previous) {
      this.deps.audit.append({
        actor: 'host',
        action: 'policy.change',
        target: `policy:${file}`,
        reason: hash === 'none' ? 'the policy file was removed: the closed defaults apply' : 'the policy file changed',
        outcome: 'ok',
        data: { from: previous, to: hash },
      });
      this.writeMeta.run(hash);
    }
    return layer;
  }

  /** A repo's policy layer as a commit of the host's clone has it, or null when that commit has none. */
  async repoPolicy(repo: string, commit: string): Promise<PolicyLayer | null> {
    const text = await this.deps.repos.readFile(repo, commit, REPO_POLICY_FILE);
    return text === null ? null : parsePolicy(text, `repo ${repo} ${REPO_POLICY_FILE}`);
  }

  /** The effective policy for a repo's agents (its branch fetched first, or `ref`), or the host's alone. */
  async policyFor(repo?: string, ref?: string): Promise<{ policy: EffectivePolicy; file: string | null }> {
    const host = this.hostPolicy();
    if (repo === undefined) return { policy: effectivePolicy(host), file: null };
    const commit = await this.deps.repos.resolveBase(repo, ref);
    const layer = await this.repoPolicy(repo, commit);
    return { policy: effectivePolicy(host, ...(layer ? [layer] : [])), file: layer ? `${repo}@${commit.slice(0, 12)}:${REPO_POLICY_FILE}` : null };
  }

  /** The policy an agent starting at `commit` runs under: host, narrowed by the repo's (and its runbook role's), plus its model endpoints. */
  async agentPolicy(repo: string, commit: string, agentEnv: Record<string, string>, narrower: readonly PolicyLayer[] = []): Promise<EffectivePolicy> {
    const layer = await this.repoPolicy(repo, commit);
    return withModelEndpoints(effectivePolicy(this.hostPolicy(), ...(layer ? [layer] : []), ...narrower), agentEnv);
  }

  /**
   * A command the host runs in an agent's repository (git status before removing it, the tests a step says it ran),
   * confined like the agent there — read-only unless `writable` says, no network, the same paths hidden — since the
   * agent's git config, or its code, can make it run anything.
   */
  async confineGit(argv: string[], dir: string, readable: string[], writable: readonly string[] = []): Promise<{ command: string; args: string[] } | null> {
    const probe = await probeSandbox();
    if (!probe.available) return null;
    return sandboxCommand({
      bwrap: probe.bwrap,
      userns: probe.userns,
      command: argv[0]!,
      args: argv.slice(1),
      cwd: dir,
      writable: [...writable],
      readOnly: [...(writable.includes(dir) ? [] : [dir]), ...readable],
      hidden: hiddenPaths(effectivePolicy(this.hostPolicy()), this.deps.stateDir),
      sockets: [],
      network: 'isolated',
      privateTmp: true,
      foreground: false,
    });
  }

  /** From now on the proxy decides this agent's requests by `policy`. */
  setEgressPolicy(agent: string, policy: EffectivePolicy): void {
    this.egressPolicies.set(agent, policy);
  }

  forgetEgressPolicy(agent: string): void {
    this.egressPolicies.delete(agent);
  }

  async close(): Promise<void> {
    await this.egress.close();
  }

  private decideEgress(target: EgressTarget): { allow: boolean; rule: string; reason: string } {
    const policy = this.egressPolicies.get(target.agent);
    if (!policy) return { allow: false, rule: 'no-policy', reason: 'this agent has no egress policy' };
    const decision = matchEgress(policy, target.host, target.port, { resolvedIsLoopbackOrLinkLocal: target.loopback || target.linkLocal });
    const source = decision.source ? ` (${describeSource(decision.source)})` : '';
    return { allow: decision.allow, rule: `${decision.rule}${source}`, reason: decision.reason };
  }

  private auditEgress(record: EgressRecord): void {
    const target = `${record.host}:${record.port}`;
    if (record.type === 'decision') {
      this.deps.audit.append({
        actor: `agent:${record.agent}`,
        action: 'egress.request',
        target,
        reason: record.reason,
        outcome: record.outcome === 'allowed' ? 'ok' : 'denied',
        data: { id: record.id, kind: record.kind, method: record.method, path: record.path, addresses: record.addresses, rule: record.rule },
      });
      return;
    }
    this.deps.audit.append({
      actor: `agent:${record.agent}`,
      action: 'egress.end',
      target,
      reason: record.error ?? null,
      outcome: record.outcome === 'completed' && !record.error ? 'ok' : 'error',
      data: {
        id: record.id,
        address: record.address,
        status: record.status,
        bytesUp: record.bytesUp,
        bytesDown: record.bytesDown,
        durationMs: record.durationMs,
      },
    });
  }
}

function supportOf(probe: SandboxProbe): SandboxSupport {
  return probe.available
    ? { available: true, detail: `${probe.bwrap} ${probe.version}${probe.userns ? ', user namespaces' : ''}` }
    : { available: false, detail: probe.reason };
}
