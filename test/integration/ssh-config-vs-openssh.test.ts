// Flightdeck's ~/.ssh/config resolution against the reference: the real OpenSSH client (`ssh -G`, and `ssh -v`
// for what -G prints unexpanded). OpenSSH takes `~` and relative Include paths from the passwd home, not $HOME,
// so each ssh runs in its own mount namespace with a temporary home bind-mounted over it: the real home is
// never touched, and Flightdeck resolves the same files with that temporary home as its parameter.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostSpec, resolveRoute, type SshEnvironment } from '../../main/ssh/config';

const execFileAsync = promisify(execFile);
// The home OpenSSH uses (getpwuid), which the namespace hides behind the temporary one.
const PASSWD_HOME = userInfo().homedir;

interface Case {
  name: string;
  /** Files under the temporary ~/.ssh; `config` is the one given to ssh -F. `@HOME@` is the temporary home. */
  files: Record<string, string>;
  queries: string[];
}

const CASES: Case[] = [
  {
    name: 'Include: globs in lexical order, relative to ~/.ssh, nested, conditional inside Host, dotfiles skipped',
    files: {
      config: [
        'Include config.d/*.conf',
        'Include ~/.ssh/extra/first',
        'Host alpha',
        '  HostName should-not-win',
        'Host *',
        '  User fallback',
        '  IdentityFile ~/.ssh/id_default_%r',
      ].join('\n'),
      'config.d/10-alpha.conf': ['Host alpha', '  HostName alpha.internal', '  Port 2201', '  IdentityFile %d/.ssh/id_alpha_%h_%p', '  Include nested/*.inc'].join('\n'),
      'config.d/20-beta.conf': ['Host beta beta-*', '  HostName %h.corp.example', '  User svc', '  ProxyJump %r@jump.%h:2222,ops@bastion'].join('\n'),
      'config.d/.hidden.conf': 'Host alpha\n  User hidden\n',
      'config.d/30-not-conf.txt': 'Host alpha\n  User not-included\n',
      'nested/a.inc': 'Host alpha\n  User nested\n  Include deeper/*\n',
      // Relative to ~/.ssh, not to the including file: nested/deeper/ is never read.
      'deeper/z': 'Host *\n  IdentityFile ~/.ssh/id_deep_%n\n',
      'nested/deeper/z': 'Host *\n  IdentityFile ~/.ssh/id_wrong_dir\n',
      'extra/first': ['Host gamma', '  HostName gamma.example', '  UserKnownHostsFile ~/.ssh/kh_%n_%h_%p_%r_%u %d/kh_%k_%C_%L_%l_%i_%%'].join('\n'),
    },
    queries: ['alpha', 'ALPHA', 'beta', 'beta-2', 'gamma', 'other', 'ops@alpha'],
  },
  {
    name: 'Host negation, Match host/originalhost/user/localuser, final pass, exec, first value wins',
    files: {
      config: [
        'Host *.example !bad.example',
        '  User ex',
        'Match originalhost short host long.example',
        '  Port 2300',
        'Host short',
        '  HostName LONG.example',
        'Match user deploy',
        '  IdentityFile /keys/deploy',
        'Match !user deploy',
        '  IdentityFile /keys/other',
        'Match host *.EXAMPLE user ex',
        '  IdentitiesOnly yes',
        'Match localuser nobody-here',
        '  UserKnownHostsFile /kh/nobody',
        'Match !localuser nobody-here',
        '  UserKnownHostsFile /kh/local_%u /kh/second',
        'Match exec false',
        '  Port 9999',
        'Match final host long.example',
        '  ProxyJump hop1',
        'Match canonical all',
        '  GlobalKnownHostsFile /kh/global_final',
        'Host *',
        '  User later-loses',
      ].join('\n'),
    },
    queries: ['short', 'deploy@short', 'bad.example', 'good.example', 'deploy@good.example'],
  },
  {
    name: 'first value wins across an absolute Include; an Include in a block that does not apply applies nothing',
    files: {
      config: [
        'Host web',
        '  Include @HOME@/.ssh/web-first',
        '  User outer',
        'Host web',
        '  HostName web.outer',
        '  Port 2400',
        'Host nomatch',
        '  Include @HOME@/.ssh/everything',
        'Host quiet',
        '  ProxyJump none',
        'Host *',
        '  Port 22',
        '  ProxyJump %r@gate:2022',
      ].join('\n'),
      'web-first': 'HostName web.inner\nUser inner\nHost other-in-include\n  User leaked\n',
      everything: 'Host *\n  User from-inactive-include\n  Port 1\n',
    },
    queries: ['web', 'zeta', 'quiet', 'someone@zeta'],
  },
];

/** One hop as Flightdeck connects to it. */
interface Hop {
  hostName: string;
  user: string;
  port: number;
}

/** The fields Flightdeck uses. */
interface Fields extends Hop {
  identitiesOnly: boolean;
  knownHostsFiles: string[];
  /** Only when the config names some: without, each side has its own defaults. */
  identityFiles: string[] | 'defaults';
  jumps: Hop[];
}

/** Runs ssh with the temporary home in place of the passwd home; SHELL=/bin/false so no proxy command ever runs. */
async function ssh(home: string, args: string[]): Promise<string> {
  const script = 'mount --bind "$1" "$2" && shift 2 && exec ssh "$@"';
  const result = await execFileAsync('unshare', ['-m', 'sh', '-c', script, 'sh', home, PASSWD_HOME, ...args], {
    env: { ...process.env, SHELL: '/bin/false' },
  }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
  // Paths under the passwd home are the temporary home's files.
  return `${result.stdout}${result.stderr}`.split(PASSWD_HOME).join(home);
}

/** `ssh -G` for a destination given as ssh's own arguments; values by lower-case keyword. */
async function dump(home: string, config: string, destination: string[]): Promise<Map<string, string[]>> {
  const values = new Map<string, string[]>();
  for (const line of (await ssh(home, ['-G', '-F', config, ...destination])).split('\n')) {
    const [key, ...rest] = line.trim().split(' ');
    if (key) values.set(key, [...(values.get(key) ?? []), rest.join(' ')]);
  }
  if (!values.has('hostname')) throw new Error(`ssh -G ${destination.join(' ')} printed no hostname`);
  return values;
}

async function hopOf(home: string, config: string, destination: string[]): Promise<Hop> {
  const values = await dump(home, config, destination);
  return { hostName: values.get('hostname')![0]!, user: values.get('user')![0]!, port: Number(values.get('port')![0]) };
}

/** OpenSSH's own default identity files, which -G lists when the config names none. */
const OPENSSH_DEFAULT_IDENTITY = /^~\/\.ssh\/id_(rsa|ecdsa|ecdsa_sk|ed25519|ed25519_sk|xmss|dsa)$/;

/** "[-l U] [-p P] [-J A,B] ... HOST" of the logged ProxyJump command: each hop as ssh arguments, first hop first. */
function proxyCommandHops(verbose: string): string[][] {
  const command = /Executing proxy command: exec ssh (.*)$/m.exec(verbose)?.[1];
  if (!command) throw new Error(`ssh -v logged no proxy command:\n${verbose}`);
  const words = command.split(' ');
  const option = (flag: string): string[] => {
    const index = words.indexOf(flag);
    return index >= 0 ? [flag, words[index + 1]!] : [];
  };
  const jumped = option('-J')[1]?.split(',') ?? [];
  return [
    ...jumped.map((hop) => {
      const { user, host, port } = parseHostSpec(hop);
      return [...(user ? ['-l', user] : []), ...(port ? ['-p', String(port)] : []), host];
    }),
    [...option('-l'), ...option('-p'), words[words.length - 1]!],
  ];
}

async function openssh(home: string, config: string, query: string): Promise<Fields> {
  const values = await dump(home, config, [query]);
  const identities = values.get('identityfile') ?? [];
  const jumpSpec = values.get('proxyjump')?.[0];
  // -G prints IdentityFile and ProxyJump unexpanded; -v logs them expanded (the proxy command is never run).
  const verbose = await ssh(home, ['-v', '-F', config, ...(jumpSpec ? [] : ['-o', 'ProxyCommand=false']), query, 'true']);
  return {
    ...(await hopOf(home, config, [query])),
    identitiesOnly: values.get('identitiesonly')?.[0] === 'yes',
    knownHostsFiles: [...values.get('userknownhostsfile')![0]!.split(' '), ...values.get('globalknownhostsfile')![0]!.split(' ')],
    identityFiles: identities.every((file) => OPENSSH_DEFAULT_IDENTITY.test(file))
      ? 'defaults'
      : [...verbose.matchAll(/identity file (\S+) type/g)].map((match) => match[1]!).filter((file) => !file.endsWith('-cert')),
    // Each hop resolved through the config on its own, as the nested ssh of the proxy command would.
    jumps: jumpSpec ? await Promise.all(proxyCommandHops(verbose).map((hop) => hopOf(home, config, hop))) : [],
  };
}

function flightdeck(home: string, config: string, query: string): Fields {
  const env: SshEnvironment = {
    configPath: config,
    home,
    localUser: userInfo().username,
    uid: process.getuid!(),
    localHostName: hostname(),
    vars: process.env,
    knownHostsOverride: undefined,
  };
  const { target, jumps } = resolveRoute(query, {}, env);
  const hop = ({ hostName, user, port }: Hop): Hop => ({ hostName, user, port });
  return {
    ...hop(target),
    identitiesOnly: target.identitiesOnly,
    knownHostsFiles: target.knownHostsFiles,
    identityFiles: target.identityFilesExplicit ? target.identityFiles : 'defaults',
    jumps: jumps.map(hop),
  };
}

describe('SSH config resolution matches ssh -G', { timeout: 60_000 }, () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'flightdeck-sshg-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  for (const [index, testCase] of CASES.entries()) {
    it(testCase.name, async () => {
      const home = join(root, `home${index}`);
      for (const [path, text] of Object.entries(testCase.files)) {
        const file = join(home, '.ssh', path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, `${text.split('@HOME@').join(home)}\n`);
      }
      const config = join(home, '.ssh', 'config');
      for (const query of testCase.queries) {
        const expected = await openssh(home, config, query);
        expect({ query, ...flightdeck(home, config, query) }).toEqual({ query, ...expected });
      }
    });
  }
});
