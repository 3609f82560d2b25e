import { createHash } from 'node:crypto';

/** What OpenSSH's %-tokens stand for, for one resolved host (ssh_config(5), TOKENS). */
export interface TokenValues {
  /** %h: the remote host name after HostName. */
  hostName: string;
  /** %n: the host as given, %k: HostKeyAlias or the host as given. */
  originalHost: string;
  hostKeyAlias: string;
  port: number;
  /** %r */
  user: string;
  /** %u, %d, %i */
  localUser: string;
  home: string;
  uid: number;
  /** %l (with domain); %L is its first label. */
  localHostName: string;
}

/** Which tokens each directive accepts, as in OpenSSH 9.x; any other %x is an error there too. */
export const TOKENS = {
  hostName: 'h',
  file: 'CdhikLlnpru',
  proxyJump: 'hnpr',
} as const;

/** The value of each token for one resolved host. */
/** The value of each token for one resolved host. */
export function tokenLookup(values: TokenValues): (token: string) => string {
  return (token) => {
    switch (token) {
      case 'C':
        return createHash('sha1').update(`${values.localHostName}${values.hostName}${values.port}${values.user}`).digest('hex');
      case 'd':
        return values.home;
      case 'h':
        return values.hostName;
      case 'i':
        return String(values.uid);
      case 'k':
        return values.hostKeyAlias;
      case 'L':
        return values.localHostName.split('.')[0]!;
      case 'l':
        return values.localHostName;
      case 'n':
        return values.originalHost;
      case 'p':
        return String(values.port);
      case 'r':
        return values.user;
      default:
        return values.localUser;
    }
  };
}

/**
 * Expands %-tokens (and ${VAR} when `env` is given, for the directives that take environment variables),
 * failing like OpenSSH on a token the directive does not accept or an unset variable.
 */
export function expandTokens(
  directive: string,
  value: string,
  accepted: string,
  lookup: (token: string) => string,
  env?: Record<string, string | undefined>,
): string {
  const pattern = env ? /%(.?)|\$\{([^}]*)(\}?)/gs : /%(.?)/gs;
  return value.replace(pattern, (_match, token: string | undefined, variable: string | undefined, closed: string | undefined) => {
    if (token !== undefined) {
      if (token === '%') return '%';
      if (token === '' || !accepted.includes(token)) {
        throw new Error(`${directive} "${value}": ${token ? `%${token} is not a token ${directive} accepts` : 'a lone % ends it'}`);
      }
      return lookup(token);
    }
    if (!closed) throw new Error(`${directive} "${value}": \${ without a closing }`);
    const resolved = env?.[variable!];
    if (resolved === undefined) throw new Error(`${directive} "${value}": environment variable \${${variable}} is not set`);
    return resolved;
  });
}

/** OpenSSH's tilde_expand_filename for the local user: "~" and "~/..." are the home directory. */
export function expandTilde(directive: string, path: string, home: string, localUser: string): string {
  const match = /^~([^/]*)(\/.*)?$/s.exec(path);
  if (!match) return path;
  if (match[1] && match[1] !== localUser) throw new Error(`${directive} "${path}": ~${match[1]} (another user's home) is not supported`);
  return `${home}${match[2] ?? ''}`;
}
