import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Confinement } from '../../common/protocol/agents';
import { describeSource, type EffectivePolicy } from '../../common/protocol/policy';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { LaunchSpec } from '../agents/launchSpec';
import { encodeSandboxExecSpec } from '../commands/sandboxExecSpec';
import type { EgressAgentHandle } from '../egress/egressProxy';
import { expandHome, literalBase } from '../policy';
import { sandboxCommand, type SandboxProbe } from '../sandbox';
import type { Governance } from './governance';
import { modelEndpoints } from './modelEndpoints';

/** Inside the agent's network namespace nothing else listens: a fixed port is as good as any and easy to read. */
const HTTP_PROXY_PORT = 3128;

export interface ConfinementInput {
  name: string;
  worktree: string;
  /** The agent only reads its worktree (a planner): mounted read-only. */
  readOnlyWorktree?: boolean;
  agentDir: string;
  /** The host clone's object store the agent's repository borrows from (read-only inside). */
  repoObjects: string;
  endpointSocket: string;
  egressSocket: string;
  nodePath: string;
  hostEntry: string;
  spec: LaunchSpec;
  policy: EffectivePolicy;
  probe: SandboxProbe;
}

export interface ConfinedLaunch {
  spec: LaunchSpec;
  /** The command is a sandbox (signals go to the agent's group inside; see SpawnSpec.confined). */
  confined: boolean;
  confinement: Confinement;
  /** The agent's way into the egress proxy, when it has one; closed when the agent ends. */
  egress: EgressAgentHandle | null;
}

/** The directory node_modules of the bundle live in, when it has one (a development checkout, an unpacked install). */
function modulesOf(hostEntry: string): string | null {
  for (let dir = dirname(hostEntry); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules');
  }
  return null;
}

/** Hidden paths for the sandbox: literal entries as they are, a glob by its literal directory (never the root). */
export function hiddenPaths(policy: EffectivePolicy, stateDir: string): string[] {
  const home = homedir();
  const paths = new Set<string>([stateDir]);
  for (const rule of policy.paths.deny_read) {
    const base = literalBase(rule.value, home);
    if (base === '/' || base === home) {
      throw new WireError(
        WireErrorCode.ConfigInvalid,
        `paths.deny_read ${rule.value} (${describeSource(rule.source)}) cannot be enforced by the sandbox: it would hide ${base}; name a directory`,
      );
    }
    paths.add(base);
  }
  return [...paths];
}

/** paths.write entries the sandbox can bind: literal, existing ones (a glob would widen to its whole directory). */
function extraWritable(policy: EffectivePolicy): string[] {
  const home = homedir();
  return policy.paths.write.map((rule) => expandHome(rule.value, home)).filter((path) => literalBase(path, home) === path && existsSync(path));
}

/**
 * Wraps an agent's launch in the sandbox its policy asks for: bwrap with the system read-only, the worktree, the
 * agent's dir and the policy's extra paths writable, the state dir and denied paths hidden, its endpoint socket bound
 * in, and — unless egress is off — a network namespace whose only way out is the agent's own egress proxy socket.
 * Where this host cannot sandbox, the agent starts only under `sandbox: best-effort`, marked not enforced.
 */
export async function confine(governance: Governance, input: ConfinementInput): Promise<ConfinedLaunch> {
  const { policy, probe, spec } = input;
  const egressMode = policy.egress.mode.value;
  if (!probe.available) {
    if (policy.sandbox.value !== 'best-effort') {
      throw new WireError(
        WireErrorCode.SandboxUnavailable,
        `agent ${input.name} cannot start: this host cannot sandbox agents (${probe.reason}). Fix that, or accept running ` +
          `agents unconfined with \`sandbox: best-effort\` in ${join(governance.stateDir, 'policy.yaml')}`,
        { agent: input.name, reason: probe.reason },
      );
    }
    return { spec, confined: false, confinement: { sandbox: 'not-enforced', egress: egressMode, note: probe.reason }, egress: null };
  }
  const isolated = egressMode !== 'off';
  const egress = isolated ? await governance.egress.openAgent(input.name, input.egressSocket) : null;
  try {
    if (isolated) governance.setEgressPolicy(input.name, policy);
    const proxy = `http://127.0.0.1:${HTTP_PROXY_PORT}`;
    const tunnels = modelEndpoints(spec.env)
      .filter((endpoint) => endpoint.local)
      .map((endpoint) => ({ listenHost: endpoint.host === 'localhost' ? '127.0.0.1' : endpoint.host, listenPort: endpoint.port, host: endpoint.host, port: endpoint.port }));
    const inner = isolated
      ? {
          command: input.nodePath,
          args: [
            input.hostEntry,
            'sandbox-exec',
            encodeSandboxExecSpec({ proxySocket: input.egressSocket, httpProxyPort: HTTP_PROXY_PORT, tunnels }),
            '--',
            spec.command,
            ...spec.args,
          ],
        }
      : { command: spec.command, args: spec.args };
    const modules = modulesOf(input.hostEntry);
    const sandboxed = sandboxCommand({
      bwrap: probe.bwrap,
      userns: probe.userns,
      command: inner.command,
      args: inner.args,
      cwd: input.worktree,
      writable: [...(input.readOnlyWorktree ? [] : [input.worktree]), input.agentDir, ...extraWritable(policy)],
      readOnly: [...(input.readOnlyWorktree ? [input.worktree] : []), input.repoObjects, dirname(input.hostEntry), ...(modules ? [modules] : []), ...(spec.protectedFiles ?? [])],
      hidden: hiddenPaths(policy, governance.stateDir),
      sockets: [input.endpointSocket, ...(egress ? [input.egressSocket] : [])],
      network: isolated ? 'isolated' : 'host',
      privateTmp: true,
    });
    // No NO_PROXY for loopback: 127.0.0.1 means the VM to whoever configured a URL, so it goes through the proxy,
    // decided and audited like any other destination. A server the agent runs inside its sandbox is reached with
    // curl --noproxy (or the agent's own NO_PROXY); the model endpoints' tunnels listen on their own addresses.
    const proxyEnv: Record<string, string> = isolated ? { http_proxy: proxy, HTTP_PROXY: proxy, https_proxy: proxy, HTTPS_PROXY: proxy } : {};
    return {
      spec: { command: sandboxed.command, args: sandboxed.args, env: { TMPDIR: '/tmp', ...spec.env, ...proxyEnv } },
      confined: true,
      confinement: { sandbox: 'enforced', egress: egressMode, note: isolated ? null : 'egress.mode is off: the agent uses the host network' },
      egress,
    };
  } catch (error) {
    governance.forgetEgressPolicy(input.name);
    await egress?.close();
    throw error;
  }
}
