import { describe, expect, it } from 'vitest';
import { ALLOW_SECRET_MARKER, MAX_EXCERPT_CHARS, MAX_SECRET_FINDINGS, countAllowed, scanDiff } from './secretScan';

// Secrets are built from parts so this file does not itself look like it leaks keys to scanners.
const RANDOM = 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5hJ7kL9rU2'.repeat(3);
const chars = (count: number) => RANDOM.slice(0, count);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const fake = {
  awsId: 'AKIA' + 'IOSFODNN7EXAMPLE',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/' + 'bPxRfiCYEXAMPLEKEY',
  github: 'ghp_' + chars(36),
  gitlab: 'glpat-' + chars(20),
  slack: 'xoxb-' + '1234567890-' + chars(24),
  slackWebhook: 'T0ABCDEF1/B0ABCDEF2/' + chars(24),
  stripe: 'sk_' + 'live_' + chars(24),
  google: 'AIza' + chars(35),
  anthropic: 'sk-ant-' + 'api03-' + chars(40),
  openai: 'sk-proj-' + chars(40),
  jwt: [base64url({ alg: 'HS256', typ: 'JWT' }), base64url({ sub: '1234567890' }), chars(30)].join('.'),
  dbPassword: 'q8Z!v2#Lm' + 'P9x@Rt4',
  urlPassword: 'S3cr3tPa' + '55w0rdQ7',
  apiToken: '9f8a7b6c5d4e' + '3f2a1b0c9d8e7f6a',
};

/** A diff that creates `path` with `lines`. */
function newFile(path: string, lines: string[]): string {
  return [
    `diff --git a/${path} b/${path}`,
    'new file mode 100644',
    'index 0000000..1a2b3c4',
    '--- /dev/null',
    `+++ b/${path}`,
    `@@ -0,0 +1,${lines.length} @@`,
    ...lines.map((line) => `+${line}`),
    '',
  ].join('\n');
}

const located = (patch: string) => scanDiff(patch).map(({ file, line, rule }) => ({ file, line, rule }));

describe('scanDiff', () => {
  const patch = [
    'diff --git a/src/config.ts b/src/config.ts',
    'index 3b18e51..a9f2c07 100644',
    '--- a/src/config.ts',
    '+++ b/src/config.ts',
    '@@ -10,5 +10,7 @@ export const config = {',
    `   region: 'eu-west-1',`,
    `-  githubToken: '${fake.github}',`,
    `+  githubToken: process.env.GITHUB_TOKEN,`,
    `+  accessKeyId: '${fake.awsId}',`,
    `+  aws_secret_access_key: '${fake.awsSecret}',`,
    `   bucket: 'assets',`,
    `   legacyKey: '${fake.google}',`,
    ' };',
    '@@ -40,3 +42,4 @@ export function client() {',
    '   return new Client({',
    `+    auth: 'Bearer ${fake.jwt}',`,
    '   });',
    ' }',
    'diff --git a/.env.production b/.env.production',
    'new file mode 100644',
    'index 0000000..5d6e7f8',
    '--- /dev/null',
    '+++ b/.env.production',
    '@@ -0,0 +1,5 @@',
    `+STRIPE_KEY=${fake.stripe}`,
    `+SLACK_WEBHOOK=https://hooks.slack.com/services/${fake.slackWebhook}`,
    `+DATABASE_URL=postgres://app:${fake.urlPassword}@db.internal:5432/app`,
    '+LOG_LEVEL=info',
    `+API_TOKEN=${fake.apiToken}`,
    'diff --git a/deploy/id_rsa b/deploy/id_rsa',
    'new file mode 100600',
    '--- /dev/null',
    '+++ b/deploy/id_rsa',
    '@@ -0,0 +1,3 @@',
    '+-----BEGIN ' + 'RSA PRIVATE KEY-----',
    '+MIIEowIBAAKCAQEA' + chars(48),
    '+-----END ' + 'RSA PRIVATE KEY-----',
    'diff --git a/docs/setup.md b/docs/setup.md',
    'index 1111111..2222222 100644',
    '--- a/docs/setup.md',
    '+++ b/docs/setup.md',
    '@@ -1,3 +1,3 @@',
    ` Export ANTHROPIC_API_KEY=${fake.anthropic} first.`,
    `-Then set OPENAI_API_KEY=${fake.openai}.`,
    `+Then set SLACK_TOKEN=${fake.slack} and GITLAB=${fake.gitlab}.`,
    ' Done.',
    '',
  ].join('\n');

  it('reports each secret on an added line with its new-file path and line number', () => {
    expect(located(patch)).toEqual([
      { file: 'src/config.ts', line: 12, rule: 'aws-access-key-id' },
      { file: 'src/config.ts', line: 13, rule: 'aws-secret-access-key' },
      { file: 'src/config.ts', line: 43, rule: 'jwt' },
      { file: '.env.production', line: 1, rule: 'stripe-live-key' },
      { file: '.env.production', line: 2, rule: 'slack-webhook' },
      { file: '.env.production', line: 3, rule: 'url-credentials' },
      { file: '.env.production', line: 5, rule: 'generic-secret' },
      { file: 'deploy/id_rsa', line: 1, rule: 'private-key' },
      { file: 'docs/setup.md', line: 2, rule: 'slack-token' },
      { file: 'docs/setup.md', line: 2, rule: 'gitlab-token' },
    ]);
  });

  it('ignores secrets on removed and context lines', () => {
    const rules = scanDiff(patch).map((finding) => finding.rule);
    for (const absent of ['github-token', 'google-api-key', 'anthropic-api-key', 'openai-api-key']) {
      expect(rules).not.toContain(absent);
    }
  });

  it('never puts a whole secret in a finding, and keeps only its first characters and length', () => {
    const findings = scanDiff(patch);
    const json = JSON.stringify(findings);
    for (const secret of Object.values(fake)) expect(json).not.toContain(secret);
    expect(findings[0]?.excerpt).toBe(`accessKeyId: 'AKIA…(20 chars)',`);
    expect(findings[0]?.description).toBe('AWS access key ID');
    // Two secrets on one line: each finding's excerpt masks both.
    expect(findings.filter((finding) => finding.line === 2 && finding.file === 'docs/setup.md')[0]?.excerpt).toBe(
      'Then set SLACK_TOKEN=xoxb…(40 chars) and GITLAB=glpa…(26 chars).',
    );
  });

  it('shows less of a short secret than of a long one', () => {
    const [finding] = scanDiff(newFile('ci.yml', [`url: https://ci:${'Zq7!pX2#'}@runner.example`]));
    expect(finding?.excerpt).toBe('url: https://ci:Zq…(8 chars)@runner.example');
  });

  it('keeps an added line that starts with "++" in its hunk, not as a new file header', () => {
    const patch = [
      '--- a/src/counter.c',
      '+++ b/src/counter.c',
      '@@ -1,1 +1,3 @@',
      ' int n = 0;',
      '+++ b/evil.c',
      `+char *key = "${fake.awsId}";`,
    ].join('\n');
    expect(located(patch)).toEqual([{ file: 'src/counter.c', line: 3, rule: 'aws-access-key-id' }]);
  });

  it('does not report placeholders, environment reads or code references', () => {
    const patch = newFile('config/example.ts', [
      `password = "changeme"`,
      `api_key = "<your-api-key>"`,
      `token: "\${GITHUB_TOKEN}"`,
      `secret = process.env.APP_SECRET`,
      `apiKey = "xxxxxxxxxxxxxxxxxxxx"`,
      `const token = config.auth.refreshToken;`,
      `password: 'your-password-here'`,
      `dbPassword = "hunter2"`,
      `headers: { Authorization: \`Bearer \${token}\` },`,
      `curl -H "Authorization: Bearer $TOKEN" https://api.example.com`,
      'Redacted: the values of `Authorization:`/`Proxy-Authorization:` headers and `password=` assignments.',
      `url = "postgres://app:\${DB_PASSWORD}@db:5432/app"`,
      `url = "https://user:<password>@example.com"`,
      `link = "https://example.com:8443/path"`,
    ]);
    expect(scanDiff(patch)).toEqual([]);
  });

  it('reports a random literal assigned to a secret-looking name', () => {
    const patch = newFile('src/db.ts', [`const dbPassword = "${fake.dbPassword}";`]);
    expect(located(patch)).toEqual([{ file: 'src/db.ts', line: 1, rule: 'generic-secret' }]);
  });

  it('reports a literal credential in an Authorization header', () => {
    const patch = newFile('scripts/call.sh', [`curl -H "Authorization: Bearer ${fake.apiToken}" https://api.example.com`]);
    const [finding] = scanDiff(patch);
    expect(finding?.rule).toBe('authorization-header');
    expect(finding?.excerpt).toBe('curl -H "Authorization: Bearer 9f8a…(28 chars)" https://api.example.com');
  });

  it(`skips lines marked ${ALLOW_SECRET_MARKER} and counts what they held`, () => {
    const patch = newFile('test/fixtures.ts', [
      `export const sample = '${fake.awsId}'; // ${ALLOW_SECRET_MARKER}: documented AWS example key`,
      `export const pair = '${fake.stripe} ${fake.github}'; // ${ALLOW_SECRET_MARKER}`,
      `export const leaked = '${fake.google}';`,
    ]);
    expect(located(patch)).toEqual([{ file: 'test/fixtures.ts', line: 3, rule: 'google-api-key' }]);
    expect(countAllowed(patch)).toBe(3);
    expect(countAllowed(newFile('a.ts', [`const a = 1; // ${ALLOW_SECRET_MARKER}`]))).toBe(0);
  });

  describe('JWT', () => {
    const header = base64url({ alg: 'RS256', kid: 'k1' });
    const payload = base64url({ sub: 'user-42', exp: 1_900_000_000 });
    const signature = chars(43);

    it.each([
      ['a compact token', `${header}.${payload}.${signature}`],
      ['a token in a cookie', `Set-Cookie: session=${header}.${payload}.${signature}; HttpOnly`],
    ])('finds %s', (_, line) => {
      expect(located(newFile('auth.txt', [line])).map((finding) => finding.rule)).toEqual(['jwt']);
    });

    it.each([
      ['a header without "alg"', `${base64url({ typ: 'JWT', kid: 'k1' })}.${payload}.${signature}`],
      ['a header that is not JSON', `eyJ${chars(20)}.${payload}.${signature}`],
      ['only two parts', `${header}.${payload}`],
    ])('ignores %s', (_, line) => {
      expect(scanDiff(newFile('auth.txt', [line]))).toEqual([]);
    });
  });

  it(`stops at ${MAX_SECRET_FINDINGS} findings`, () => {
    const lines = Array.from({ length: 250 }, (_, i) => `key${i} = AKIA${String(i).padStart(16, '0')}`);
    const findings = scanDiff(newFile('keys.txt', lines));
    expect(findings).toHaveLength(MAX_SECRET_FINDINGS);
    expect(findings.at(-1)?.line).toBe(MAX_SECRET_FINDINGS);
  });

  it('cuts a long line to a window around the secret', () => {
    const line = `    ${'a'.repeat(5000)} = "${fake.github}"; ${'b'.repeat(5000)}`;
    const [finding] = scanDiff(newFile('dist/bundle.min.js', [line]));
    expect(finding?.rule).toBe('github-token');
    expect(finding?.excerpt.length).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
    expect(finding?.excerpt).toMatch(/^…a+ = "ghp_…\(40 chars\)"; b+…$/);
  });
});
