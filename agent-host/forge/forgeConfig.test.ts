import { chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WireErrorCode } from '../../common/wire/errors';
import { ForgeConfigError, forgeFor, loadForges, parseRemoteUrl, readForgeToken, type ForgeConfig, type ForgesConfig } from './forgeConfig';

const TOKEN = 'ghp_secretSecretSecret0123456789abcdefAB';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-forges-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function configError(run: () => unknown): ForgeConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ForgeConfigError);
    return error as ForgeConfigError;
  }
  throw new Error('expected a ForgeConfigError');
}

function writeForges(lines: string[], mode = 0o600): string {
  const file = join(dir, 'forges.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`, { mode });
  chmodSync(file, mode);
  return file;
}

describe('parseRemoteUrl', () => {
  it.each([
    ['https://github.com/acme/app.git', { host: 'github.com', owner: 'acme', repo: 'app' }],
    ['https://github.com/acme/app', { host: 'github.com', owner: 'acme', repo: 'app' }],
    ['https://GitHub.Example.com:8443/acme/app.git/', { host: 'github.example.com', owner: 'acme', repo: 'app' }],
    ['https://x-access-token:secret@github.com/acme/my.app.git', { host: 'github.com', owner: 'acme', repo: 'my.app' }],
    ['git@github.example.com:acme/app.git', { host: 'github.example.com', owner: 'acme', repo: 'app' }],
    ['github.example.com:acme/app', { host: 'github.example.com', owner: 'acme', repo: 'app' }],
    ['ssh://git@github.example.com/acme/app.git', { host: 'github.example.com', owner: 'acme', repo: 'app' }],
    ['ssh://git@github.example.com:2222/acme/app', { host: 'github.example.com', owner: 'acme', repo: 'app' }],
  ])('reads %s', (url, expected) => {
    expect(parseRemoteUrl(url)).toEqual(expected);
  });

  it.each([
    ['/srv/git/app.git', '/srv/git/app.git is a local path, not a repo on a forge'],
    ['file:///srv/git/app.git', 'file:// remotes (file:///srv/git/app.git) are not on a forge: only https://, ssh:// and git@host:owner/repo ones are'],
    ['https://gitlab.example.com/group/sub/app.git', 'https://gitlab.example.com/group/sub/app.git does not name a repo as OWNER/REPO'],
    ['git@github.com:app.git', 'git@github.com:app.git does not name a repo as OWNER/REPO'],
    ['git@github.com:/acme/app.git', 'git@github.com:/acme/app.git does not name a repo as OWNER/REPO'],
    ['https://github.com/acme/..', 'https://github.com/acme/.. does not name a repo as OWNER/REPO'],
  ])('refuses %s with the reason', (url, reason) => {
    const parsed = parseRemoteUrl(url);
    expect('reason' in parsed && parsed.reason).toContain(reason);
  });

  it('never shows the credentials of a URL in its reason', () => {
    const parsed = parseRemoteUrl(`https://${TOKEN}@github.com/acme/a/b`);
    expect('reason' in parsed && parsed.reason).toBe(
      'https://github.com/acme/a/b does not name a repo as OWNER/REPO (https://github.com/OWNER/REPO or git@github.com:OWNER/REPO)',
    );
  });
});

describe('loadForges and forgeFor', () => {
  it('reads the contract, with the default API URLs, and matches remotes by their host', () => {
    const file = writeForges([
      'forges:',
      '  - host: GitHub.com',
      '    kind: github',
      '    token_file: github-token',
      '  - host: github.example.com',
      '    kind: github',
      '    token_file: /etc/flightdeck/ghes-token',
      '  - host: git.corp.example',
      '    kind: github',
      '    api_url: https://api.git.corp.example/',
      '    token_file: corp-token',
    ]);

    const config = loadForges(dir);

    expect(config).toEqual({
      file,
      present: true,
      forges: [
        { host: 'github.com', kind: 'github', apiUrl: 'https://api.github.com', tokenFile: join(dir, 'github-token') },
        { host: 'github.example.com', kind: 'github', apiUrl: 'https://github.example.com/api/v3', tokenFile: '/etc/flightdeck/ghes-token' },
        { host: 'git.corp.example', kind: 'github', apiUrl: 'https://api.git.corp.example', tokenFile: join(dir, 'corp-token') },
      ],
      pollSeconds: 60,
    });
    expect(forgeFor(config, 'git@github.example.com:acme/app.git')).toEqual({ forge: config.forges[1], owner: 'acme', repo: 'app' });
    expect(forgeFor(config, 'https://gitlab.example.com/acme/app.git')).toEqual({
      forge: null,
      reason: `${file} names no forge for gitlab.example.com: gitlab.example.com is used as a plain git remote (no pull request)`,
    });
    expect(forgeFor(config, '/srv/app.git')).toEqual({ forge: null, reason: '/srv/app.git is a local path, not a repo on a forge' });
  });

  it('has no forges without a file, and says so', () => {
    const config: ForgesConfig = loadForges(dir);
    expect(config).toEqual({ file: join(dir, 'forges.yaml'), present: false, forges: [], pollSeconds: 60 });
    expect(forgeFor(config, 'git@github.com:acme/app.git')).toEqual({
      forge: null,
      reason: `there is no ${join(dir, 'forges.yaml')}: github.com is used as a plain git remote (no pull request)`,
    });
  });

  it('takes how often pull requests are polled, a whole number of seconds from 1', () => {
    writeForges(['poll_seconds: 5', 'forges: []']);
    expect(loadForges(dir).pollSeconds).toBe(5);
    const file = writeForges(['poll_seconds: 0', 'forges: []']);
    expect(configError(() => loadForges(dir)).message).toMatch(new RegExp(`^${file}:1: poll_seconds: is invalid: .*>=1`));
  });

  it('names the file, line and key of every problem', () => {
    const file = writeForges([
      'forges:',
      '  - host: github.example.com',
      '    kind: gitlab',
      '    api_ur: https://github.example.com/api/v3',
      '    token_file: t',
      '  - host: https://other.example',
      '    kind: github',
      '    api_url: http://github.example.com/api/v3',
      '    token_file: t',
    ]);

    const error = configError(() => loadForges(dir));

    expect(error.code).toBe(WireErrorCode.ConfigInvalid);
    expect(error.message.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${file}:3: forges\\[0\\]\\.kind: is invalid: `)),
      `${file}:4: forges[0].api_ur: is not a known key (known: host, kind, api_url, token_file)`,
      `${file}:6: forges[1].host: is invalid: must be a host name as a remote URL has it (github.example.com): no scheme, user, port or path`,
      `${file}:8: forges[1].api_url: "http://github.example.com/api/v3" must be an https:// URL (http:// only to this machine)`,
    ]);
    expect(error.problems[0]).toMatchObject({ file, line: 3, key: 'forges[0].kind' });
  });

  it('refuses YAML that does not parse, a host given twice, and an API URL holding credentials', () => {
    const file = writeForges(['forges:', '  - host: [unclosed', '    kind: github']);
    expect(configError(() => loadForges(dir)).message).toMatch(new RegExp(`^${file}:\\d+: is not valid YAML: `));

    writeForges([
      'forges:',
      '  - { host: github.com, kind: github, token_file: a }',
      '  - { host: GITHUB.COM, kind: github, token_file: b, api_url: "https://user:pw@api.github.com" }',
    ]);
    expect(configError(() => loadForges(dir)).message).toBe(
      `${file}:3: forges[1].api_url: "https://user:pw@api.github.com" must not hold credentials: the token goes in token_file`,
    );

    writeForges(['forges:', '  - { host: github.com, kind: github, token_file: a }', '  - { host: GITHUB.COM, kind: github, token_file: b }']);
    expect(configError(() => loadForges(dir)).message).toBe(`${file}:3: forges[1].host: github.com is given twice (also forges[0])`);
  });

  it('refuses a forges.yaml that group or others may write, or that is a symbolic link', () => {
    const file = writeForges(['forges: []'], 0o620);
    expect(configError(() => loadForges(dir)).message).toBe(`${file}: refused: group or others may write it (mode 620); chmod go-w it`);

    rmSync(file);
    writeFileSync(join(dir, 'elsewhere.yaml'), 'forges: []\n', { mode: 0o600 });
    symlinkSync(join(dir, 'elsewhere.yaml'), file);
    expect(configError(() => loadForges(dir)).message).toContain('it is a symbolic link');
  });

  it.skipIf(process.getuid?.() !== 0)("refuses another user's forges.yaml", () => {
    const file = writeForges(['forges: []']);
    chownSync(file, 65534, 65534);
    expect(configError(() => loadForges(dir)).message).toContain('it is owned by uid 65534, not by this user');
  });
});

describe('readForgeToken', () => {
  const forgeWith = (tokenFile: string): ForgeConfig => ({ host: 'github.com', kind: 'github', apiUrl: 'https://api.github.com', tokenFile });

  function writeToken(text: string, mode: number): string {
    const file = join(dir, 'token');
    writeFileSync(file, text, { mode });
    chmodSync(file, mode);
    return file;
  }

  it('reads the token alone from a file only this user can read', () => {
    expect(readForgeToken(forgeWith(writeToken(`${TOKEN}\n`, 0o600)))).toBe(TOKEN);
  });

  it.each([
    [0o644, 'group or others may read it (mode 644); chmod 600 it'],
    [0o660, 'group or others may write it (mode 660); chmod go-w it'],
  ])('refuses a token file of mode %o, never showing the token', (mode, problem) => {
    const file = writeToken(TOKEN, mode);
    const error = configError(() => readForgeToken(forgeWith(file)));
    expect(error.message).toContain(`${file}: `);
    expect(error.message).toContain(problem);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('refuses a missing, empty or multi-word token file without quoting it', () => {
    expect(configError(() => readForgeToken(forgeWith(join(dir, 'absent')))).message).toBe(
      `${join(dir, 'absent')}: does not exist: write the token of github.com there (chmod 600)`,
    );
    expect(configError(() => readForgeToken(forgeWith(writeToken('\n', 0o600)))).message).toContain('holds no token');
    const twoWords = configError(() => readForgeToken(forgeWith(writeToken(`token ${TOKEN}\n`, 0o600))));
    expect(twoWords.message).toContain('holds more than one word');
    expect(twoWords.message).not.toContain(TOKEN);
  });

  it.skipIf(process.getuid?.() !== 0)("refuses another user's token file", () => {
    const file = writeToken(TOKEN, 0o600);
    chownSync(file, 65534, 65534);
    expect(configError(() => readForgeToken(forgeWith(file))).message).toContain('it is owned by uid 65534, not by this user');
  });
});
