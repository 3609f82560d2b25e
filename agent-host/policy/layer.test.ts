import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { loadHostPolicy, parsePolicy, policyLayerFromObject } from './layer';
import { PolicyError } from './policyError';

const LABEL = 'repo demo .flightdeck/policy.yaml';

function problemsOf(run: () => unknown): PolicyError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error('expected a PolicyError');
}

describe('parsePolicy', () => {
  it('reads every key of the contract and knows the line of each key and list item', () => {
    const layer = parsePolicy(
      [
        'sandbox: best-effort',
        'paths:',
        '  write: [/data/cache, ~/scratch]',
        '  deny_read: ["~/.aws"]',
        'commands:',
        '  deny: ["git push *"]',
        '  ask: [curl *]',
        'egress:',
        '  mode: proxy',
        '  allow:',
        '    - api.example.com',
        '    - "*.corp.example"',
        'mcp:',
        '  servers:',
        '    github: { command: gh-mcp, args: [--stdio], env: { GH_TOKEN: x }, tools: { allow: [get_issue], deny: [delete_repo] } }',
        '    docs: { url: "https://docs.example/mcp" }',
        'tools:',
        '  deny: [WebFetch, "mcp__.*"]',
        'protected_paths: [src/auth/**, .github]',
        'budget: { tokens: 1000000, cost_usd: 12.5 }',
        '',
      ].join('\n'),
      LABEL,
    );
    expect(layer.present).toBe(true);
    expect(layer.policy.egress).toEqual({ mode: 'proxy', allow: ['api.example.com', '*.corp.example'] });
    expect(layer.policy.mcp?.servers?.github?.env).toEqual({ GH_TOKEN: 'x' });
    expect(layer.policy.budget).toEqual({ tokens: 1_000_000, cost_usd: 12.5 });
    expect(layer.lineOf(['sandbox'])).toBe(1);
    expect(layer.lineOf(['paths', 'deny_read', 0])).toBe(4);
    expect(layer.lineOf(['egress', 'allow', 1])).toBe(12);
    expect(layer.lineOf(['mcp', 'servers', 'docs'])).toBe(16);
    expect(layer.lineOf(['budget', 'cost_usd'])).toBe(20);
    // A key that is not there points at the deepest one that is.
    expect(layer.lineOf(['egress', 'nothing'])).toBe(8);
  });

  it('treats an empty file as a layer that narrows nothing', () => {
    expect(parsePolicy('', LABEL).policy).toEqual({});
    expect(parsePolicy('# only a comment\n', LABEL).policy).toEqual({});
  });

  it('collects every problem, each naming the file, the line and the key', () => {
    const error = problemsOf(() =>
      parsePolicy(
        [
          'egress:',
          '  mode: wide',
          '  allow: [api.example.com, "a b", "[::1]:99999", 7]',
          'paths:',
          '  write: [relative/dir, /ok, /a/../etc]',
          'budget: { tokens: -1 }',
          'mcp:',
          '  servers:',
          '    both: { command: x, url: "https://a" }',
          '    "bad name": { command: x }',
          'commands:',
          '  deny: ["git push; rm"]',
          'tools:',
          '  deny: ["("]',
        ].join('\n'),
        LABEL,
      ),
    );
    expect(error.code).toBe(WireErrorCode.PolicyInvalid);
    expect(error).toBeInstanceOf(WireError);
    const lines = error.message.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `${LABEL} line 2: egress.mode is invalid: Invalid option: expected one of "strict"|"proxy"|"off"`,
        `${LABEL} line 3: egress.allow[1] "a b" is not a host, *.suffix or IP address with an optional :port`,
        `${LABEL} line 3: egress.allow[2] "[::1]:99999" is not a host, *.suffix or IP address with an optional :port (ports are 1 to 65535)`,
        `${LABEL} line 5: paths.write[0] "relative/dir" must be an absolute path or start with ~/`,
        `${LABEL} line 5: paths.write[2] "/a/../etc" may not contain . or .. segments`,
        `${LABEL} line 9: mcp.servers.both.url and command exclude each other: a server is a command (stdio) or a url`,
        `${LABEL} line 12: commands.deny[0] "git push; rm" is not a command pattern: contains the shell operator ;`,
        `${LABEL} line 14: tools.deny[0] "(" is not a valid regular expression`,
      ]),
    );
    expect(lines.some((line) => line.startsWith(`${LABEL} line 3: egress.allow[3] is invalid`))).toBe(true);
    expect(lines.some((line) => line.startsWith(`${LABEL} line 6: budget.tokens is invalid`))).toBe(true);
    expect(lines.some((line) => line.startsWith(`${LABEL} line 10: mcp.servers["bad name"]`))).toBe(true);
    expect(error.problems).toHaveLength(lines.length);
    expect(error.toJSON().data).toEqual({ problems: error.problems });
  });

  it('refuses unknown keys (a typo is never ignored), listing the known ones', () => {
    const error = problemsOf(() => parsePolicy('paths:\n  wirte: [/x]\negres: {}\n', LABEL));
    expect(error.message).toContain(`${LABEL} line 2: paths.wirte is not a known key (known: write, deny_read)`);
    expect(error.message).toContain(`${LABEL} line 3: egres is not a known key (known: sandbox, paths, commands, egress, mcp, tools, protected_paths, budget)`);
  });

  it('refuses text that is not YAML, duplicate keys and a document that is not a map', () => {
    expect(problemsOf(() => parsePolicy('sandbox: strict\nsandbox: best-effort\n', LABEL)).message).toMatch(
      new RegExp(`^${LABEL} line 2: the policy is not valid YAML: Map keys must be unique`),
    );
    expect(problemsOf(() => parsePolicy('egress: [\n', LABEL)).message).toMatch(/is not valid YAML/);
    expect(problemsOf(() => parsePolicy('- a\n- b\n', LABEL)).message).toMatch(/line 1: the policy is invalid: .*expected object/);
  });

  it('reads a runbook role given as an object, without lines', () => {
    const layer = policyLayerFromObject({ commands: { ask: ['npm *'] } }, 'runbook release role deployer');
    expect(layer.policy.commands?.ask).toEqual(['npm *']);
    expect(layer.lineOf(['commands', 'ask', 0])).toBeUndefined();
    const error = problemsOf(() => policyLayerFromObject({ egress: { mode: 'wide' } }, 'runbook release role deployer'));
    expect(error.problems[0]).toMatchObject({ label: 'runbook release role deployer', path: 'egress.mode' });
    expect(error.problems[0]!.line).toBeUndefined();
    expect(error.message).toMatch(/^runbook release role deployer: egress\.mode is invalid/);
  });
});

describe('loadHostPolicy', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'policy-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the closed defaults when there is no file, remembering the state dir', () => {
    const layer = loadHostPolicy(dir);
    expect(layer).toMatchObject({ present: false, label: 'defaults', policy: {}, stateDir: dir });
  });

  it('reads a policy file of this user that others cannot write', () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'egress:\n  allow: [api.example.com]\n', { mode: 0o644 });
    const layer = loadHostPolicy(dir);
    expect(layer).toMatchObject({ present: true, label: `host policy ${file}`, stateDir: dir });
    expect(layer.policy.egress?.allow).toEqual(['api.example.com']);
    expect(layer.lineOf(['egress', 'allow', 0])).toBe(2);
  });

  it('refuses a file group or others may write, a symbolic link, a directory, a malformed file', () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'sandbox: strict\n');
    chmodSync(file, 0o664);
    expect(() => loadHostPolicy(dir)).toThrow(/policy\.yaml: the policy is writable by group or others \(mode 664\)/);
    chmodSync(file, 0o600);
    writeFileSync(file, 'sandbox: sometimes\n');
    expect(() => loadHostPolicy(dir)).toThrow(/line 1: sandbox is invalid/);
    rmSync(file);
    writeFileSync(join(dir, 'elsewhere.yaml'), 'sandbox: best-effort\n', { mode: 0o600 });
    symlinkSync(join(dir, 'elsewhere.yaml'), file);
    expect(() => loadHostPolicy(dir)).toThrow(/is a symbolic link/);
    rmSync(file);
    mkdirSync(file);
    expect(() => loadHostPolicy(dir)).toThrow(/policy\.yaml: the policy is not a regular file/);
  });

  it.skipIf(process.getuid?.() !== 0)("refuses another user's file", () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'sandbox: strict\n', { mode: 0o644 });
    chownSync(file, 65534, 65534);
    expect(() => loadHostPolicy(dir)).toThrow(/is owned by uid 65534, not by this user \(uid 0\)/);
  });
});
