import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';

/** Where one SSH hop goes, after ~/.ssh/config has been applied. */
export interface SshEndpoint {
  /** What the user typed (alias or host), for messages. */
  spec: string;
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** True when IdentityFile came from config or flags (not OpenSSH's defaults). */
  identityFilesExplicit: boolean;
  identitiesOnly: boolean;
  knownHostsFiles: string[];
}

/** A full route: the jump hops in order, then the target. */
export interface SshRoute {
  jumps: SshEndpoint[];
  target: SshEndpoint;
}

export interface ResolveOverrides {
  port?: number;
  identityFile?: string;
  /** ProxyJump spec; "none" disables a configured one. */
  jump?: string;
}

export interface SshEnvironment {
  configPath: string;
  home: string;
  localUser: string;
  /** Replaces every known_hosts file (tests, or a team-wide file). */
  knownHostsOverride: string | undefined;
}

export function sshEnvironment(env: NodeJS.ProcessEnv = process.env): SshEnvironment {
  const home = homedir();
  return {
    configPath: env.FLIGHTDECK_SSH_CONFIG || join(home, '.ssh', 'config'),
    home,
    localUser: userInfo().username,
    knownHostsOverride: env.FLIGHTDECK_KNOWN_HOSTS || undefined,
  };
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Splits "user@host:port", "ssh://user@host:port", "[::1]:22" or a bare alias into parts. */
export function parseHostSpec(spec: string): { user?: string; host: string; port?: number } {
  let rest = spec.trim().replace(/^ssh:\/\//, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const [h, p] = rest.split(':');
    host = h!;
    port = Number(p);
  }
  if (!host) throw new Error(`"${spec}" names no host`);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`"${spec}" has an invalid port`);
  }
  return { user: user || undefined, host, port };
}

function readConfig(path: string): SSHConfig {
  if (!existsSync(path)) return SSHConfig.parse('');
  try {
    return SSHConfig.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read SSH config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function all(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** OpenSSH's ~ and %-tokens, the simple ones: %h %p %r %u %d %%. */
export function expandPath(path: string, tokens: { hostName: string; port: number; user: string; localUser: string; home: string }): string {
  const expanded = path.replace(/%([hprud%])/g, (_match, token: string) => {
    switch (token) {
      case 'h':
        return tokens.hostName;
      case 'p':
        return String(tokens.port);
      case 'r':
        return tokens.user;
      case 'u':
        return tokens.localUser;
      case 'd':
        return tokens.home;
      default:
        return '%';
    }
  });
  if (expanded === '~') return tokens.home;
  if (expanded.startsWith('~/')) return join(tokens.home, expanded.slice(2));
  return isAbsolute(expanded) ? expanded : join(tokens.home, '.ssh', expanded);
}

function resolveEndpoint(config: SSHConfig, spec: string, env: SshEnvironment, overrides: ResolveOverrides): SshEndpoint & { proxyJump?: string } {
  const parsed = parseHostSpec(spec);
  // A config file is the user's own, but evaluating `Match exec` shell commands from it is more than we need.
  const options = { ignoreCase: true, matchExec: false };
  const computed = parsed.user
    ? config.compute({ Host: parsed.host, User: parsed.user }, options)
    : config.compute(parsed.host, options);
  const hostName = first(computed.hostname)?.replace(/%h/g, parsed.host) ?? parsed.host;
  const portValue = overrides.port ?? parsed.port ?? Number(first(computed.port) ?? 22);
  if (!Number.isInteger(portValue) || portValue < 1 || portValue > 65535) throw new Error(`invalid port for ${spec}`);
  const user = parsed.user ?? first(computed.user) ?? env.localUser;
  const tokens = { hostName, port: portValue, user, localUser: env.localUser, home: env.home };
  const configured = overrides.identityFile ? [overrides.identityFile] : all(computed.identityfile);
  const identityFiles = (configured.length > 0 ? configured : DEFAULT_IDENTITIES.map((name) => `~/.ssh/${name}`)).map((file) =>
    expandPath(file, tokens),
  );
  const knownHostsFiles = env.knownHostsOverride
    ? [env.knownHostsOverride]
    : [
        ...(all(computed.userknownhostsfile).flatMap((value) => value.split(/\s+/)).filter(Boolean).map((file) => expandPath(file, tokens))),
        ...(computed.userknownhostsfile ? [] : [join(env.home, '.ssh', 'known_hosts')]),
        ...(computed.globalknownhostsfile ? all(computed.globalknownhostsfile).filter((f) => f !== '/dev/null') : ['/etc/ssh/ssh_known_hosts']),
      ];
  return {
    spec,
    hostName,
    port: portValue,
    user,
    identityFiles,
    identityFilesExplicit: configured.length > 0,
    identitiesOnly: (first(computed.identitiesonly) ?? 'no').toLowerCase() === 'yes',
    knownHostsFiles,
    proxyJump: first(computed.proxyjump),
  };
}

/**
 * Resolves a host spec the way OpenSSH would for the parts Flightdeck uses: HostName, User, Port,
 * IdentityFile, IdentitiesOnly, UserKnownHostsFile and ProxyJump (comma-separated hops, each itself
 * resolved through the config; a hop's own ProxyJump is not followed).
 */
export function resolveRoute(spec: string, overrides: ResolveOverrides = {}, env: SshEnvironment = sshEnvironment()): SshRoute {
  const config = readConfig(env.configPath);
  const { proxyJump, ...target } = resolveEndpoint(config, spec, env, overrides);
  const jumpSpec = overrides.jump ?? proxyJump;
  const hops = !jumpSpec || jumpSpec.toLowerCase() === 'none' ? [] : jumpSpec.split(',').map((hop) => hop.trim()).filter(Boolean);
  const jumps = hops.map((hop) => {
    const { proxyJump: _ignored, ...endpoint } = resolveEndpoint(config, hop, env, {});
    return endpoint;
  });
  return { jumps, target };
}

/** Host aliases defined in the SSH config (no wildcards), for the add-host dialog. */
export function listAliases(env: SshEnvironment = sshEnvironment()): { alias: string; hostName: string | null; user: string | null }[] {
  const config = readConfig(env.configPath);
  const aliases: { alias: string; hostName: string | null; user: string | null }[] = [];
  for (const line of config) {
    if (!('param' in line) || line.param.toLowerCase() !== 'host' || !('config' in line)) continue;
    const names = all(line.value as string | string[]).flatMap((value) => value.split(/\s+/));
    for (const alias of names) {
      if (!alias || /[*?!]/.test(alias)) continue;
      const computed = config.compute(alias, { ignoreCase: true, matchExec: false });
      aliases.push({ alias, hostName: first(computed.hostname) ?? null, user: first(computed.user) ?? null });
    }
  }
  return aliases;
}
