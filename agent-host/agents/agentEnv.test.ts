import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAgentEnv, readAgentEnv } from './agentEnv';

describe('agent.env', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'agent-env-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads KEY=VALUE lines, comments, export and quotes', () => {
    expect(parseAgentEnv('# gateway\nexport ANTHROPIC_BASE_URL="http://gw:8080"\n\nANTHROPIC_API_KEY=sk-1=2\nEMPTY=\n', 'f')).toEqual({
      ANTHROPIC_BASE_URL: 'http://gw:8080',
      ANTHROPIC_API_KEY: 'sk-1=2',
      EMPTY: '',
    });
  });

  it('names the line of a malformed entry but never echoes it (it may hold a key)', () => {
    expect(() => parseAgentEnv('A=1\nsk-secret-value\n', '/x/agent.env')).toThrow(/line 2 is not KEY=VALUE/);
    expect(() => parseAgentEnv('A=1\nsk-secret-value\n', '/x/agent.env')).not.toThrow(/sk-secret/);
  });

  it('is empty when missing, and refused unless a 0600 regular file', () => {
    const file = join(dir, 'agent.env');
    expect(readAgentEnv(file)).toEqual({});
    writeFileSync(file, 'K=V\n');
    chmodSync(file, 0o644);
    expect(() => readAgentEnv(file)).toThrow(/mode is 644; chmod 600/);
    chmodSync(file, 0o600);
    expect(readAgentEnv(file)).toEqual({ K: 'V' });
    const link = join(dir, 'link.env');
    symlinkSync(file, link);
    expect(() => readAgentEnv(link)).toThrow(/not a regular file/);
  });
});
