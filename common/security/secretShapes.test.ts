import { describe, expect, it } from 'vitest';
import { redactDeep, redactSecrets } from './redact';
import { findSecrets } from './secretShapes';

// Built from parts so this file itself does not look like it leaks keys to scanners.
const fake = {
  anthropic: `sk-ant-api03-${'Ab3dE'.repeat(18)}AA`,
  openai: `sk-proj-${'x9Y8w7V6'.repeat(6)}`,
  openaiLegacy: `sk-${'aB1cD2eF3g'.repeat(4)}12345678`,
  github: `ghp_${'A1b2C3d4E5'.repeat(3)}abcdef`,
  githubOauth: `gho_${'Z9y8X7w6V5'.repeat(4)}`,
  githubPat: `github_pat_11ABCDEFG0${'abcdEFGH12'.repeat(6)}`,
  slack: `xoxb-1234567890-0987654321-${'AbCdEfGh'.repeat(3)}`,
  aws: `AKIA${'IOSFODNN7EXAMPLE'}`,
  google: `AIza${'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6q'}`,
  gitlab: `glpat-${'xYz12AbC34dEf56GhI78'}`,
  jwt: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${'dozjgNryP4J3jVmNHl0w5N'}_${'SSN8hjUMaYb6NGxnlkh8'}`,
  pem: `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----`,
};

const kinds = (text: string) => findSecrets(text).map((match) => match.kind);

describe('findSecrets: true positives', () => {
  it.each([
    ['anthropic-key', `export ANTHROPIC_KEY_VALUE ${fake.anthropic}`],
    ['openai-key', `key ${fake.openai} here`],
    ['openai-key', fake.openaiLegacy],
    ['github-token', `git clone https://${fake.github}@github.com/o/r`],
    ['github-token', fake.githubOauth],
    ['github-token', fake.githubPat],
    ['slack-token', `curl -d token ${fake.slack}`],
    ['aws-access-key', `id ${fake.aws} in config`],
    ['google-api-key', `?key=&k ${fake.google}`],
    ['gitlab-token', fake.gitlab],
    ['jwt', `cookie session=x; ${fake.jwt}`],
    ['private-key', `cat id\n${fake.pem}\n$ `],
  ])('finds a %s', (kind, text) => {
    expect(kinds(text)).toEqual([kind]);
  });

  it('redacts only the value of an authorization header, up to a closing quote', () => {
    expect(redactSecrets('curl -H "Authorization: Bearer abc.def-123" https://api.example.com/v1')).toBe(
      'curl -H "Authorization: «redacted:authorization»" https://api.example.com/v1',
    );
    expect(redactSecrets('Proxy-Authorization: Basic dXNlcjpwYXNz\r\nHost: x')).toBe('Proxy-Authorization: «redacted:authorization»\r\nHost: x');
  });

  it('redacts assignments whose name ends in a secret word, keeping the name', () => {
    expect(redactSecrets('mysql -u root --password=hunter2 db')).toBe('mysql -u root --password=«redacted:password» db');
    expect(redactSecrets('export GITHUB_TOKEN=abc123def')).toBe('export GITHUB_TOKEN=«redacted:token»');
    expect(redactSecrets('{"client_secret": "s3cr3t value"}')).toBe('{"client_secret": «redacted:secret»}');
    expect(redactSecrets('https://x.example/cb?access_token=zz99&state=1')).toBe('https://x.example/cb?access_token=«redacted:token»&state=1');
    expect(redactSecrets('db.password: p@ss')).toBe('db.password: «redacted:password»');
  });

  it('names the most specific kind when shapes overlap, and hides the whole of both', () => {
    expect(redactSecrets(`GITHUB_TOKEN=${fake.github}`)).toBe('GITHUB_TOKEN=«redacted:github-token»');
    expect(redactSecrets(`Authorization: Bearer ${fake.jwt}`)).toBe('Authorization: «redacted:jwt»');
  });

  it('hides a private key cut off before its END line (a truncated paste)', () => {
    const cut = fake.pem.slice(0, 80);
    expect(redactSecrets(`before ${cut}`)).toBe('before «redacted:private-key»');
  });

  it('redacts every string of a nested value, leaving keys and other types alone', () => {
    const value = { text: `key ${fake.anthropic}`, bytes: 12, nested: [{ token: 'Authorization: Basic Zm9vOmJhcg==' }, null, true] };
    expect(redactDeep(value)).toEqual({
      text: 'key «redacted:anthropic-key»',
      bytes: 12,
      nested: [{ token: 'Authorization: «redacted:authorization»' }, null, true],
    });
  });
});

describe('findSecrets: ordinary text stays', () => {
  it.each([
    'the quick brown fox jumps over the lazy dog; passwordless login; token count 42',
    'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'commit 5797dd4e1f0a6c3b2d9e8f7a6b5c4d3e2f1a0b9c',
    'uuid 123e4567-e89b-12d3-a456-426614174000 and 550e8400-e29b-41d4-a716-446655440000',
    'base64 aGVsbG8gd29ybGQgdGhpcyBpcyBub3QgYSBzZWNyZXQ=',
    'pip install scikit-learn; risk-assessment-framework-version-two; task-management-service-configuration',
    'max_tokens=1024 temperature=0.2 token_count=5 PWD=/home/me/project',
    'const token = readToken(); password: ${DB_PASSWORD}; secret=<your secret here>; api_key=$API_KEY',
    'Enter password: ',
    'AKIAlowercase is not a key; AIza too short',
    'ls -la ~/.ssh/id_ed25519 && cat ~/.ssh/id_ed25519.pub',
    '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----',
  ])('%s', (text) => {
    expect(findSecrets(text)).toEqual([]);
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('findSecrets on long input', () => {
  // A pattern that rescans a run of name characters from every position took minutes on this (a 300 KB argument
  // list blocked the daemon, which redacts every audit record synchronously); linear patterns take milliseconds.
  it('scans long runs of key-like characters in linear time', () => {
    for (const text of ['x'.repeat(300_000), 'a1-'.repeat(100_000), 'token'.repeat(60_000)]) expect(findSecrets(text)).toEqual([]);
  });
});
