import { parseArgs } from 'node:util';
import type { HostView } from '../../common/app/hosts';
import type { SandboxSupport } from '../../common/protocol/governance';
import { errorMessage } from '../../common/wire/errors';
import { FleetCore } from '../core/fleetCore';
import { FleetError } from '../ssh/errors';
import { print, printJson, table, UsageError, type CliContext } from './context';

/** How long `host list` gives all hosts together to connect. */
const LIST_TIMEOUT_S = 10;

function describeTarget(host: HostView): string {
  if (host.kind === 'local') return '(this machine)';
  const parts = [host.target + (host.port ? `:${host.port}` : '')];
  if (host.jump) parts.push(`via ${host.jump}`);
  return parts.join(' ');
}

function failureOf(host: HostView): FleetError | null {
  if (host.state === 'connected') return null;
  return new FleetError('not-connected', `${host.name} was saved but is not connected: ${host.error ?? host.state}`);
}

export async function hostAdd(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ssh: { type: 'string' },
      local: { type: 'boolean' },
      port: { type: 'string' },
      identity: { type: 'string' },
      jump: { type: 'string' },
      'host-dir': { type: 'string' },
      node: { type: 'string' },
      bound: { type: 'boolean' },
    },
  });
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new UsageError('usage: flightdeck host add NAME --ssh ALIAS|user@host[:port] [options]');
  if (!values.ssh && !values.local) throw new UsageError('host add needs --ssh ALIAS|user@host[:port] (or --local)');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new UsageError(`invalid --port ${values.port}`);
  const host = await ctx.core.addHost({
    name,
    kind: values.local ? 'local' : 'ssh',
    target: values.ssh ?? '',
    port,
    identityFile: values.identity,
    jump: values.jump,
    hostDir: values['host-dir'],
    node: values.node,
    ...(values.bound ? { bound: true } : {}),
  });
  if (ctx.json) printJson({ host });
  else print(`added ${host.name}: ${describeTarget(host)}, ${host.state}${host.hostVersion ? `, agent-host ${host.hostVersion}` : ''}`);
  const failure = failureOf(host);
  if (failure) throw failure;
}

/**
 * Tries every host at once, for at most `timeoutMs`, on a core of its own that answers no to every question: listing
 * never trusts a key (not even with --yes) nor asks for a passphrase, so an unknown key shows as such.
 */
async function probeHosts(home: string, timeoutMs: number): Promise<HostView[]> {
  const probe = FleetCore.open({ home, clientName: 'flightdeck-cli' });
  let timer: NodeJS.Timeout | undefined;
  try {
    probe.onEvent((event) => {
      if (event.type !== 'prompts.raised') return;
      const { id, kind } = event.prompt;
      probe.prompts.answer(kind === 'host-key' ? { id, kind, trust: false } : { id, kind, passphrase: null });
    });
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled(probe.listHosts().map((host) => probe.connectHost(host.name))), deadline]);
    return probe.listHosts().map((host) =>
      host.state === 'connecting' ? { ...host, error: host.error ?? `no answer within ${timeoutMs / 1000} s` } : host,
    );
  } finally {
    clearTimeout(timer);
    probe.close();
  }
}

function hostDetail(host: HostView): string {
  if (host.state !== 'connected') return host.error ?? '-';
  return `agent-host ${host.hostVersion ?? '?'}, ${host.sessions.length} session(s), round trip ${host.latencyMs ?? '?'} ms`;
}

/** `host list`: each host's configuration and how connecting to it goes now (the CLI keeps no connection between runs). */
export async function hostList(ctx: CliContext, argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { timeout: { type: 'string' } } });
  const seconds = values.timeout === undefined ? LIST_TIMEOUT_S : Number(values.timeout);
  if (!(seconds > 0)) throw new UsageError(`--timeout expects seconds, got "${values.timeout}"`);
  const hosts = await probeHosts(ctx.core.home, seconds * 1000);
  if (ctx.json) {
    const rows = hosts.map(({ name, kind, target, port, identityFile, jump, hostDir, node, state, error, hostVersion, latencyMs, sessions }) => ({
      name, kind, target, port, identityFile, jump, hostDir, node, state, error, hostVersion, latencyMs, sessions: sessions.length,
    }));
    printJson({ hosts: rows });
    return;
  }
  print(
    table(
      ['NAME', 'KIND', 'TARGET', 'HOST DIR', 'STATE', 'DETAIL'],
      hosts.map((host) => [host.name, host.kind, describeTarget(host), host.hostDir ?? '-', host.state, hostDetail(host)]),
    ),
  );
}

export function hostRemove(ctx: CliContext, argv: string[]): void {
  const name = argv[0];
  if (!name) throw new UsageError('usage: flightdeck host remove NAME');
  ctx.core.removeHost(name);
  if (!ctx.json) print(`removed ${name} (its sessions keep running on the host)`);
  else printJson({ removed: name });
}

export async function hostTrust(ctx: CliContext, argv: string[]): Promise<void> {
  const name = argv.find((arg) => !arg.startsWith('-'));
  if (!name) throw new UsageError('usage: flightdeck host trust NAME [--fingerprint SHA256:...] [--yes]');
  const host = await ctx.core.trustHost(name);
  if (ctx.json) printJson({ host });
  else print(`${name}: host key trusted; ${host.state}`);
}

export async function hostCheck(ctx: CliContext, argv: string[]): Promise<void> {
  const name = argv.find((arg) => !arg.startsWith('-'));
  if (!name) throw new UsageError('usage: flightdeck host check NAME');
  const started = performance.now();
  await ctx.core.connectHost(name);
  const connectMs = Math.round(performance.now() - started);
  const { host, hello, latencyMs, direct } = await ctx.core.checkHost(name);
  const auditAlarm = await ctx.core.host(name).checkedAuditAlarm();
  // Whether agents there can be confined, and exactly why not (older hosts do not say); a policy file that does not
  // parse is reported, not a reason to stop checking.
  let sandbox: SandboxSupport | null = null;
  let policyProblem: string | null = null;
  if (hello.capabilities.includes('governance')) {
    try {
      sandbox = (await (await ctx.core.host(name).lane()).peer.request('policy.show', {})).sandbox;
    } catch (error) {
      policyProblem = errorMessage(error);
    }
  }
  const report = {
    name,
    state: host.state,
    connectMs,
    latencyMs,
    lane: direct ? 'direct' : 'bridge',
    hostVersion: hello.hostVersion,
    bundledVersion: ctx.core.bundledHostVersion(),
    protocolVersion: hello.protocolVersion,
    hostId: hello.hostId,
    daemonPid: hello.pid,
    stateDir: hello.stateDir,
    sessions: host.sessions.length,
    sandbox,
    policyProblem,
    auditAlarm,
  };
  if (ctx.json) printJson(report);
  else {
    print(`${name}: connected in ${connectMs} ms, round trip ${latencyMs} ms, ${direct ? "straight to the daemon's socket" : 'through the agent-host bridge'}`);
    print(`  agent-host ${hello.hostVersion} (protocol ${hello.protocolVersion}), daemon pid ${hello.pid}, state ${hello.stateDir}`);
    print(`  ${host.sessions.length} session(s)`);
    if (sandbox) print(sandbox.available ? `  agent sandbox: ${sandbox.detail}` : `  agent sandbox NOT available: ${sandbox.detail}`);
    if (policyProblem) print(`  POLICY PROBLEM (agents cannot start): ${policyProblem}`);
    const bundled = ctx.core.bundledHostVersion();
    if (hello.hostVersion !== bundled) print(`  agent-host ${bundled} is available: flightdeck host upgrade ${name}`);
    if (auditAlarm) print(`  AUDIT ALARM: ${auditAlarm}\n  See flightdeck audit verify ${name}.`);
  }
  if (auditAlarm) throw new FleetError('audit-alarm', `${name}: its audit history changed since this machine last saw it`);
}

export async function hostUpgrade(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean' } } });
  const name = positionals[0];
  if (!name) throw new UsageError('usage: flightdeck host upgrade NAME [--force]');
  const result = await ctx.core.upgradeHost(name, values.force ?? false);
  if (ctx.json) printJson({ name, ...result });
  else if (result.previousVersion === result.version) print(`${name}: agent-host ${result.version} is up to date`);
  else print(`${name}: agent-host ${result.previousVersion} -> ${result.version}${result.stoppedSessions ? ` (stopped ${result.stoppedSessions} session(s))` : ''}`);
}
