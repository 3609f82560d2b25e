import { homedir, hostname, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { configuredAliases, resolveConfig, type SshConfigEnvironment } from './sshConfigFile';
import { expandTilde } from './sshTokens';

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

export interface SshEnvironment extends SshConfigEnvironment {
  /** Replaces every known_hosts file (tests, or a team-wide file). */
  knownHostsOverride: string | undefined;
}

export function sshEnvironment(env: NodeJS.ProcessEnv = process.env): SshEnvironment {
  const home = homedir();
  return {
    configPath: env.FLIGHTDECK_SSH_CONFIG || join(home, '.ssh', 'config'),
    home,
    localUser: userInfo().username,
    uid: process.getuid?.() ?? -1,
    localHostName: hostname(),
    vars: env,
    knownHostsOverride: env.FLIGHTDECK_KNOWN_HOSTS || undefined,
  };
}

// OpenSSH also tries id_ecdsa_sk, id_ed25519_sk, id_xmss and id_dsa, which ssh2 cannot use.
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

function configEnvironment(env: SshEnvironment): SshConfigEnvironment {
  return { configPath: env.configPath, home: env.home, localUser: env.localUser, uid: env.uid, localHostName: env.localHostName, vars: env.vars };
}

/** --identity is stored with the host and used later from any working directory: a relative path is in ~/.ssh. */
function identityOverride(path: string, env: SshEnvironment): string {
  const expanded = expandTilde('--identity', path, env.home, env.localUser);
  return isAbsolute(expanded) ? expanded : join(env.home, '.ssh', expanded);
}

function resolveEndpoint(spec: string, env: SshEnvironment, overrides: ResolveOverrides): SshEndpoint & { proxyJump: string | null } {
  const parsed = parseHostSpec(spec);
  const resolved = resolveConfig(
    { host: parsed.host, user: parsed.user, port: overrides.port ?? parsed.port, jump: overrides.jump },
    configEnvironment(env),
  );
  if (resolved.proxyCommand !== null) {
    throw new Error(
      `the SSH config gives ${spec} a ProxyCommand (${resolved.proxyCommand}), which Flightdeck does not run: use ProxyJump, or --jump`,
    );
  }
  const configured = overrides.identityFile ? [identityOverride(overrides.identityFile, env)] : resolved.identityFiles;
  return {
    spec,
    hostName: resolved.hostName,
    port: resolved.port,
    user: resolved.user,
    identityFiles: configured.length > 0 ? configured : DEFAULT_IDENTITIES.map((name) => join(env.home, '.ssh', name)),
    identityFilesExplicit: configured.length > 0,
    identitiesOnly: resolved.identitiesOnly,
    knownHostsFiles: env.knownHostsOverride ? [env.knownHostsOverride] : [...resolved.userKnownHostsFiles, ...resolved.globalKnownHostsFiles],
    proxyJump: resolved.proxyJump,
  };
}

/**
 * Resolves a host spec the way OpenSSH would (see sshConfigFile.ts) for the parts Flightdeck uses: HostName,
 * User, Port, IdentityFile, IdentitiesOnly, UserKnownHostsFile and ProxyJump (comma-separated hops, each
 * itself resolved through the config; a hop's own ProxyJump is not followed). Flags win over the config, as
 * ssh's command line does.
 */
export function resolveRoute(spec: string, overrides: ResolveOverrides = {}, env: SshEnvironment = sshEnvironment()): SshRoute {
  const { proxyJump, ...target } = resolveEndpoint(spec, env, overrides);
  const hops = proxyJump ? proxyJump.split(',').map((hop) => hop.trim()).filter(Boolean) : [];
  const jumps = hops.map((hop) => {
    const { proxyJump: _ignored, ...endpoint } = resolveEndpoint(hop, env, {});
    return endpoint;
  });
  return { jumps, target };
}

/** Host aliases defined in the SSH config and its includes (no wildcards), for the add-host dialog. */
export function listAliases(env: SshEnvironment = sshEnvironment()): { alias: string; hostName: string | null; user: string | null }[] {
  const config = configEnvironment(env);
  return configuredAliases(config).map((alias) => {
    try {
      const resolved = resolveConfig({ host: alias }, config);
      return { alias, hostName: resolved.hostName, user: resolved.user };
    } catch {
      // The dialog still offers the alias; connecting to it reports what is wrong with its config.
      return { alias, hostName: null, user: null };
    }
  });
}
