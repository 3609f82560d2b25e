import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PriceTable } from './prices';
import { Profiles } from './profiles';

describe('profiles and prices', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'profiles-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('offers the four built-in profiles without a file', () => {
    const profiles = new Profiles(join(dir, 'profiles.yaml'));
    expect(profiles.list().map((profile) => [profile.name, profile.kind])).toEqual([
      ['builtin', 'builtin'],
      ['claude-code', 'claude-code'],
      ['codex', 'codex'],
      ['command', 'command'],
    ]);
    expect(() => profiles.get('nope')).toThrow(/no profile "nope" \(known: builtin, claude-code, codex, command\)/);
  });

  it("adds the team's profiles from profiles.yaml, with the kind's defaults", () => {
    const file = join(dir, 'profiles.yaml');
    writeFileSync(
      file,
      'profiles:\n  aider:\n    kind: command\n    command: aider\n    args: [--yes]\n  reviewer:\n    kind: builtin\n    model: claude-opus-4-5\n    max_turns: 5\n    deny_tools: [run_command, "write_.*"]\n',
    );
    const profiles = new Profiles(file);
    expect(profiles.get('aider')).toMatchObject({ kind: 'command', command: 'aider', args: ['--yes'], source: file, governance: { hooks: false, mcp: false } });
    expect(profiles.get('reviewer')).toMatchObject({ model: 'claude-opus-4-5', maxTurns: 5, maxTokens: 16_000, denyTools: ['run_command', 'write_.*'] });
  });

  it('refuses a profiles file that does not parse or validate, naming the field', () => {
    const file = join(dir, 'profiles.yaml');
    writeFileSync(file, 'profiles:\n  x:\n    kind: command\n');
    expect(() => new Profiles(file).list()).toThrow(/profiles\.x\.command: a command profile needs command/);
    writeFileSync(file, 'profiles:\n  y:\n    kind: builtin\n    deny_tools: ["("]\n');
    expect(() => new Profiles(file).list()).toThrow(/deny_tools\.0: not a valid regular expression/);
    writeFileSync(file, 'profiles: [\n');
    expect(() => new Profiles(file).list()).toThrow(/not a valid profiles file/);
  });

  it('prices usage by the longest model prefix, with the host file overriding', () => {
    const file = join(dir, 'prices.yaml');
    const prices = new PriceTable(file);
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 0 };
    expect(prices.cost('claude-opus-4-5-20251101', usage)).toBeCloseTo(5 + 25 + 0.5);
    expect(prices.cost('claude-opus-4-1', usage)).toBeCloseTo(15 + 75 + 1.5);
    expect(prices.cost('my-local-model', usage)).toBeNull();
    writeFileSync(file, 'prices:\n  my-local: { input: 0, output: 1 }\n');
    expect(prices.cost('my-local-model', usage)).toBeCloseTo(1);
  });
});
