import { describe, expect, it } from 'vitest';
import { effectivePolicy } from './effective';
import { defaultHostLayer, parsePolicy } from './layer';
import { absoluteEntryProblem, expandHome, literalBase, pathCovers, pathMatchers, protectedPathsMatcher, relativeEntryProblem } from './pathRules';

const HOME = '/home/dev';
const HOST = 'host policy /srv/fd/policy.yaml';

describe('path entries', () => {
  it('accepts absolute and ~/ entries only, without . or .. segments', () => {
    for (const good of ['/', '/data', '/data/**', '~', '~/.cache/*', '/logs/*.log']) expect(absoluteEntryProblem(good), good).toBeUndefined();
    expect(absoluteEntryProblem('data')).toBe('must be an absolute path or start with ~/');
    expect(absoluteEntryProblem('~root/.ssh')).toBe('must be an absolute path or start with ~/');
    expect(absoluteEntryProblem('/a/../etc')).toBe('may not contain . or .. segments');
    expect(absoluteEntryProblem('/a//b')).toBe('may not contain an empty segment (//)');
    expect(relativeEntryProblem('src/auth/**')).toBeUndefined();
    expect(relativeEntryProblem('/src')).toBe('must be relative to the repo root (no leading / or ~)');
    expect(relativeEntryProblem('../other')).toBe('may not contain . or .. segments');
  });

  it('expands ~ and finds the literal directory a glob starts from', () => {
    expect(expandHome('~', HOME)).toBe(HOME);
    expect(expandHome('~/.ssh/', HOME)).toBe('/home/dev/.ssh');
    expect(literalBase('~/.cache/*/tmp', HOME)).toBe('/home/dev/.cache');
    expect(literalBase('/data/x', HOME)).toBe('/data/x');
    expect(literalBase('/*.log', HOME)).toBe('/');
  });

  it('covers a narrower entry only when it can show it (fail closed)', () => {
    expect(pathCovers('/data', '/data', HOME)).toBe(true);
    expect(pathCovers('/data', '/data/x/y', HOME)).toBe(true);
    expect(pathCovers('/data', '/data/*.tmp', HOME)).toBe(true);
    expect(pathCovers('/data/**', '/data/x/**', HOME)).toBe(true);
    expect(pathCovers('~/scratch', '/home/dev/scratch/a', HOME)).toBe(true);
    expect(pathCovers('/logs/*.log', '/logs/app.log', HOME)).toBe(true);
    expect(pathCovers('/', '/anything/*', HOME)).toBe(true);
    expect(pathCovers('/data', '/database', HOME)).toBe(false);
    expect(pathCovers('/data', '/dat*', HOME)).toBe(false);
    expect(pathCovers('/logs/*.log', '/logs/*', HOME)).toBe(false);
    expect(pathCovers('/logs/*.log', '/logs/a*.log', HOME)).toBe(false);
    expect(pathCovers('/data/x', '/data', HOME)).toBe(false);
  });
});

describe('path matchers', () => {
  const policy = effectivePolicy(
    { ...parsePolicy('paths:\n  write: [/data/cache, "~/.npm/**", "/logs/*.log"]\n  deny_read: ["~/.vault", "/etc/shadow", "/**/*.pem"]\nprotected_paths: [.github, "src/auth/**", "*.lock"]\n', HOST), stateDir: '/srv/fd' },
  );
  const { writable, denyRead } = pathMatchers(policy, HOME);

  it('hides ~/.ssh, the state dir and agent.env whatever the policy says', () => {
    const builtIn = pathMatchers(effectivePolicy(defaultHostLayer('/srv/fd')), HOME).denyRead;
    expect(builtIn('/home/dev/.ssh')).toEqual({ value: '~/.ssh', source: 'built-in' });
    expect(builtIn('/home/dev/.ssh/id_ed25519')?.source).toBe('built-in');
    expect(builtIn('/srv/fd/agent-host.sock')?.value).toBe('/srv/fd');
    expect(builtIn('/srv/fd/agent.env')?.source).toBe('built-in');
    expect(builtIn('/home/dev/.sshx')).toBeUndefined();
    expect(builtIn('/home/dev/project/README.md')).toBeUndefined();
  });

  it('matches entries and everything below them, dot files included, after normalizing the path', () => {
    expect(denyRead("/home/dev/.vault/credentials")).toEqual({ value: "~/.vault", source: { label: HOST, line: 3 } });
    expect(denyRead("/home/dev/project/../.vault/config")?.value).toBe("~/.vault");
    expect(denyRead('/srv/app/certs/.hidden.pem')?.value).toBe('/**/*.pem');
    expect(denyRead('/etc/shadow/')?.value).toBe('/etc/shadow');
    expect(denyRead('/etc/passwd')).toBeUndefined();
    expect(writable('/data/cache/a/b')?.value).toBe('/data/cache');
    expect(writable('/home/dev/.npm/_cacache/x')?.value).toBe('~/.npm/**');
    expect(writable('/logs/app.log')?.value).toBe('/logs/*.log');
    expect(writable('/logs/app.txt')).toBeUndefined();
    expect(writable('/data/cached')).toBeUndefined();
    expect(() => writable('relative/path')).toThrow(TypeError);
  });

  it('matches protected paths relative to the repo root', () => {
    const isProtected = protectedPathsMatcher(policy);
    expect(isProtected('.github/workflows/ci.yml')?.value).toBe('.github');
    expect(isProtected('./src/auth/login.ts')?.value).toBe('src/auth/**');
    expect(isProtected('package-lock.lock')?.value).toBe('*.lock');
    expect(isProtected('src/authz.ts')).toBeUndefined();
    expect(isProtected('docs/x.lock')).toBeUndefined();
    expect(() => isProtected('../outside')).toThrow(TypeError);
  });
});
