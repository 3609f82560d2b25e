import { describe, expect, it } from 'vitest';
import { toolPatternMatches } from '../policy/toolRules';
import { exposedName, ruleOnTool, SERVER_NAME, splitExposedName } from './toolRules';

describe('tool rules', () => {
  it('matches whole names as anchored regular expressions, as every tool rule of the policy does', () => {
    expect(toolPatternMatches('echo', 'echo')).toBe(true);
    expect(toolPatternMatches('echo', 'echo2')).toBe(false);
    expect(toolPatternMatches('get-.*', 'get-env')).toBe(true);
    expect(toolPatternMatches('get-.*', 'forget-env')).toBe(false);
    expect(toolPatternMatches('.*', 'anything/at.all')).toBe(true);
    expect(toolPatternMatches('read_.', 'read_x')).toBe(true);
    expect(toolPatternMatches('read_.', 'read_xy')).toBe(false);
    expect(toolPatternMatches('a.b', 'axb')).toBe(true);
    expect(toolPatternMatches('echo|get-sum', 'get-sum')).toBe(true);
  });

  it('denies first, then allows only the allow list when there is one, and names the rule', () => {
    expect(ruleOnTool('fs', undefined, 'read')).toEqual({ allowed: true, rule: 'mcp.servers.fs', reason: null });
    expect(ruleOnTool('fs', { deny: ['write.*'] }, 'write_file')).toMatchObject({ allowed: false, rule: 'mcp.servers.fs.tools.deny:write.*' });
    expect(ruleOnTool('fs', { allow: ['read.*'], deny: ['read_secret'] }, 'read_secret')).toMatchObject({ allowed: false, rule: 'mcp.servers.fs.tools.deny:read_secret' });
    expect(ruleOnTool('fs', { allow: ['read.*'] }, 'read_file')).toEqual({ allowed: true, rule: 'mcp.servers.fs.tools.allow:read.*', reason: null });
    expect(ruleOnTool('fs', { allow: ['read.*'] }, 'list')).toMatchObject({ allowed: false, rule: 'mcp.servers.fs.tools.allow', reason: expect.stringContaining('not in mcp.servers.fs.tools.allow') });
    expect(ruleOnTool('fs', { allow: [] }, 'read')).toMatchObject({ allowed: false });
  });

  it('names tools <server>__<tool> and splits them at the first __ (server names hold none)', () => {
    expect(exposedName('gh', 'create__issue')).toBe('gh__create__issue');
    expect(splitExposedName('gh__create__issue')).toEqual({ server: 'gh', tool: 'create__issue' });
    expect(splitExposedName('report_progress')).toBeNull();
    expect(splitExposedName('__x')).toBeNull();
    expect(splitExposedName('gh__')).toBeNull();
    expect(SERVER_NAME.test('my-server_1')).toBe(true);
    expect(SERVER_NAME.test('my__server')).toBe(false);
    expect(SERVER_NAME.test('has space')).toBe(false);
  });
});
