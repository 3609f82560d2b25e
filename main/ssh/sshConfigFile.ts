import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import SSHConfig, { type Directive as ConfigLine } from 'ssh-config';
import { globFiles, hostLineMatches, matchPatternList } from './sshPatterns';
import { expandTilde, expandTokens, tokenLookup, TOKENS, type TokenValues } from './sshTokens';

/**
 * Resolves ~/.ssh/config the way `ssh -G` does, for the options Flightdeck uses. The `ssh-config` package
 * parses (quoting, comments, `=`), but its compute() knows no Include, matches `?` as "optional", and
 * cannot run OpenSSH's two passes, so the evaluation is ours: Include (globs, relative to ~/.ssh, nested,
 * conditional inside Host/Match), Host and Match (host, originalhost, user, localuser, all, canonical, final),
 * first value wins, IdentityFile accumulates, then the %-tokens each directive accepts.
 * `Match exec` is never run: a config file is the user's, but executing its commands is more than resolving
 * a host needs, so such a Match block never applies (where `ssh` would run the command).
 */

export interface SshConfigEnvironment {
  configPath: string;
  /** The home directory: `~`, %d, and the ~/.ssh that relative Include paths are in. */
  home: string;
  localUser: string;
  uid: number;
  localHostName: string;
  /** For ${VAR} in IdentityFile and UserKnownHostsFile. */
  vars: Record<string, string | undefined>;
}

/** What was given before the config is read; like ssh's command line, it wins over every config value. */
export interface ConfigQuery {
  host: string;
  user?: string;
  port?: number;
  /** ProxyJump as `-J` would give it ("none" included). */
  jump?: string;
}

export interface ResolvedConfig {
  hostName: string;
  port: number;
  user: string;
  /** Expanded; empty when the config names none (the caller applies its defaults). */
  identityFiles: string[];
  identitiesOnly: boolean;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** The expanded ProxyJump hops, or null for a direct connection. */
  proxyJump: string | null;
  /** A ProxyCommand in effect (not "none"): Flightdeck cannot honour it. */
  proxyCommand: string | null;
}

interface Directive {
  keyword: string;
  args: string[];
  where: string;
}

type Proxy = { kind: 'jump'; spec: string } | { kind: 'command'; command: string };

interface Options {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  hostKeyAlias?: string;
  proxy?: Proxy;
}

interface Pass {
  /** What Host lines match: the host as given, or in the final pass the resolved host name. */
  host: string;
  final: boolean;
}

const MAX_INCLUDE_DEPTH = 16;

function argsOf(value: ConfigLine['value']): string[] {
  return typeof value === 'string' ? [value] : value.map((part) => part.val);
}

/** One file as a flat list of directives with their line numbers (Host/Match bodies follow their header). */
function parseFile(path: string, text: string): Directive[] {
  let config: SSHConfig;
  try {
    config = SSHConfig.parse(text);
  } catch (error) {
    throw new Error(`cannot parse SSH config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const directives: Directive[] = [];
  let line = 1;
  const walk = (lines: SSHConfig): void => {
    for (const node of lines) {
      if ('param' in node && node.param) directives.push({ keyword: node.param.toLowerCase(), args: argsOf(node.value), where: `${path} line ${line}` });
      line += `${node.before}${node.after}`.split('\n').length - 1;
      if ('config' in node) walk(node.config);
    }
  };
  walk(config);
  return directives;
}

/** As OpenSSH: a config file someone else could write could redirect every connection. */
function checkPermissions(path: string, uid: number): void {
  if (process.platform === 'win32') return;
  const stat = statSync(path);
  if ((stat.uid !== 0 && stat.uid !== uid) || (stat.mode & 0o022) !== 0) {
    throw new Error(`bad owner or permissions on SSH config ${path}: it must be yours (or root's) and not writable by group or others`);
  }
}

/** The files an Include line names: `~` expanded, relative paths in ~/.ssh, globs in lexical order. */
function includedFiles(patterns: string[], env: SshConfigEnvironment): string[] {
  return patterns.flatMap((pattern) => {
    const path = expandTilde('Include', pattern, env.home, env.localUser);
    return globFiles(isAbsolute(path) ? path : join(env.home, '.ssh', path));
  });
}

class Resolution {
  readonly options: Options = { identityFiles: [] };
  wantFinalPass = false;
  private readonly files = new Map<string, Directive[] | null>();

  constructor(
    private readonly query: ConfigQuery,
    private readonly env: SshConfigEnvironment,
  ) {
    if (query.user !== undefined) this.options.user = query.user;
    if (query.port !== undefined) this.options.port = query.port;
    if (query.jump !== undefined) this.options.proxy = { kind: 'jump', spec: query.jump };
  }

  /** A file's directives; null when it cannot be opened (ssh skips such a file silently). */
  private load(path: string): Directive[] | null {
    if (!this.files.has(path)) {
      let text: string | null = null;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        text = null;
      }
      if (text !== null) checkPermissions(path, this.env.uid);
      this.files.set(path, text === null ? null : parseFile(path, text));
    }
    return this.files.get(path)!;
  }

  read(path: string, pass: Pass, depth = 0, neverMatch = false): void {
    if (depth > MAX_INCLUDE_DEPTH) throw new Error(`SSH config ${path}: Include nested more than ${MAX_INCLUDE_DEPTH} levels deep`);
    let active = !neverMatch;
    for (const directive of this.load(path) ?? []) {
      if (directive.keyword === 'host') active = !neverMatch && hostLineMatches(directive.args, pass.host);
      else if (directive.keyword === 'match') active = this.matches(directive, pass) && !neverMatch;
      else if (directive.keyword === 'include') {
        // Inside a block that does not apply, included files are read but nothing in them applies either.
        for (const file of includedFiles(directive.args, this.env)) this.read(file, pass, depth + 1, !active);
      } else if (active) this.apply(directive);
    }
  }

  /** A Match line (criteria ANDed, each negatable with "!"). */
  private matches(directive: Directive, pass: Pass): boolean {
    const args = directive.args;
    if (args.length === 0) throw new Error(`${directive.where}: Match needs criteria`);
    let result = true;
    for (let index = 0; index < args.length; index++) {
      const negated = args[index]!.startsWith('!');
      const criterion = args[index]!.slice(negated ? 1 : 0).toLowerCase();
      if (criterion === 'all') continue;
      if (criterion === 'canonical' || criterion === 'final') {
        if (criterion === 'final') this.wantFinalPass = true;
        if (pass.final === negated) result = false;
        continue;
      }
      const argument = args[++index];
      if (argument === undefined) throw new Error(`${directive.where}: Match ${criterion} needs an argument`);
      if (criterion === 'exec') {
        result = false;
        continue;
      }
      const subject = this.matchSubject(criterion, pass, directive.where);
      const matched = matchPatternList(argument, subject, criterion === 'host' || criterion === 'originalhost');
      if (matched === negated) result = false;
    }
    return result;
  }

  private matchSubject(criterion: string, pass: Pass, where: string): string {
    switch (criterion) {
      case 'host':
        // As readconf.c: the HostName set so far (its %h expanded), else the host as given.
        return pass.final || this.options.hostName === undefined ? pass.host : this.expandHostName(this.options.hostName);
      case 'originalhost':
        return this.query.host;
      case 'user':
        return this.options.user ?? this.env.localUser;
      case 'localuser':
        return this.env.localUser;
      default:
        throw new Error(`${where}: unsupported Match criterion "${criterion}"`);
    }
  }

  /** HostName takes only %h (the host as given) and %%. */
  expandHostName(hostName: string): string {
    return expandTokens('HostName', hostName, TOKENS.hostName, () => this.query.host);
  }

  /** First value wins, except IdentityFile, which accumulates (without duplicates). */
  private apply({ keyword, args, where }: Directive): void {
    const options = this.options;
    const value = args[0];
    if (value === undefined) throw new Error(`${where}: ${keyword} needs a value`);
    switch (keyword) {
      case 'hostname':
        options.hostName ??= value;
        break;
      case 'user':
        options.user ??= value;
        break;
      case 'port': {
        const port = /^\d+$/.test(value) ? Number(value) : NaN;
        if (!(port >= 1 && port <= 65535)) throw new Error(`${where}: bad port "${value}"`);
        options.port ??= port;
        break;
      }
      case 'identityfile':
        if (!options.identityFiles.includes(value)) options.identityFiles.push(value);
        break;
      case 'identitiesonly':
        options.identitiesOnly ??= yesNo(value, where);
        break;
      case 'userknownhostsfile':
        options.userKnownHostsFiles ??= args;
        break;
      case 'globalknownhostsfile':
        options.globalKnownHostsFiles ??= args;
        break;
      case 'hostkeyalias':
        options.hostKeyAlias ??= value;
        break;
      // ProxyJump and ProxyCommand exclude each other: whichever comes first wins.
      case 'proxyjump':
        options.proxy ??= { kind: 'jump', spec: value };
        break;
      case 'proxycommand':
        options.proxy ??= { kind: 'command', command: args.join(' ') };
        break;
    }
  }
}

function yesNo(value: string, where: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'yes' || lower === 'true') return true;
  if (lower === 'no' || lower === 'false') return false;
  throw new Error(`${where}: expected yes or no, not "${value}"`);
}

/** Resolves `query` through the config at env.configPath (a missing file is an empty config). */
export function resolveConfig(query: ConfigQuery, env: SshConfigEnvironment): ResolvedConfig {
  const resolution = new Resolution(query, env);
  resolution.read(env.configPath, { host: query.host, final: false });
  const options = resolution.options;
  const hostName = (options.hostName === undefined ? query.host : resolution.expandHostName(options.hostName)).toLowerCase();
  if (resolution.wantFinalPass) {
    // `Match final` asked for it: the config is read again with the host name resolved so far.
    options.hostName = hostName;
    resolution.read(env.configPath, { host: hostName, final: true });
  }
  const tokens: TokenValues = {
    hostName,
    originalHost: query.host,
    hostKeyAlias: options.hostKeyAlias ?? query.host,
    port: options.port ?? 22,
    user: options.user ?? env.localUser,
    localUser: env.localUser,
    home: env.home,
    uid: env.uid,
    localHostName: env.localHostName,
  };
  const lookup = tokenLookup(tokens);
  const file = (directive: string) => (path: string) =>
    expandTokens(directive, expandTilde(directive, path, env.home, env.localUser), TOKENS.file, lookup, env.vars);
  const proxy = options.proxy;
  return {
    hostName,
    port: tokens.port,
    user: tokens.user,
    identityFiles: options.identityFiles.map(file('IdentityFile')),
    identitiesOnly: options.identitiesOnly ?? false,
    userKnownHostsFiles: (options.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']).filter((path) => path !== 'none').map(file('UserKnownHostsFile')),
    globalKnownHostsFiles: (options.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']).filter((path) => path !== 'none'),
    proxyJump: proxy?.kind === 'jump' && proxy.spec.toLowerCase() !== 'none' ? expandTokens('ProxyJump', proxy.spec, TOKENS.proxyJump, lookup) : null,
    proxyCommand: proxy?.kind === 'command' && proxy.command.toLowerCase() !== 'none' ? proxy.command : null,
  };
}

/** Every concrete alias (no wildcard, no negation) in the config and the files it includes, in order. */
export function configuredAliases(env: SshConfigEnvironment): string[] {
  const aliases = new Set<string>();
  const seen = new Set<string>();
  const visit = (path: string, depth: number): void => {
    if (seen.has(path) || depth > MAX_INCLUDE_DEPTH) return;
    seen.add(path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return;
    }
    for (const directive of parseFile(path, text)) {
      if (directive.keyword === 'host') for (const alias of directive.args) if (!/[*?!]/.test(alias)) aliases.add(alias);
      if (directive.keyword === 'include') for (const file of includedFiles(directive.args, env)) visit(file, depth + 1);
    }
  };
  visit(env.configPath, 0);
  return [...aliases];
}
