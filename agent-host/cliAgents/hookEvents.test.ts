import { describe, expect, it } from 'vitest';
import type { ToolDecision } from '../../common/protocol/agentEndpoint';
import { handleHookEvent, type HookHost } from './hookEvents';

function recordingHost(decision: ToolDecision | Error = { decision: 'allow', reason: null, rule: 'policy:default' }) {
  const calls: unknown[][] = [];
  const host: HookHost = {
    decide: (...args) => {
      calls.push(['decide', ...args]);
      return decision instanceof Error ? Promise.reject(decision) : Promise.resolve(decision);
    },
    done: (...args) => void calls.push(['done', ...args]),
    setStatus: (...args) => void calls.push(['setStatus', ...args]),
    hooksVerified: () => void calls.push(['hooksVerified']),
    transcript: (path) => void calls.push(['transcript', path]),
  };
  return { host, calls };
}

const bash = {
  session_id: 's1',
  transcript_path: '/agents/a1/claude-code/config/projects/x/s1.jsonl',
  cwd: '/wt',
  hook_event_name: 'PreToolUse',
  tool_name: 'Bash',
  tool_input: { command: 'npm test' },
  tool_use_id: 'toolu_1',
};

describe('handleHookEvent: PreToolUse', () => {
  it('asks decide with the call id, tool, input and sub-agent, and lets Claude Code run an allowed call without its prompt', async () => {
    const { host, calls } = recordingHost();
    const answer = await handleHookEvent(host, 'claude-code', 'PreToolUse', { ...bash, agent_id: 'sub-1' });

    expect(calls).toContainEqual(['decide', 'toolu_1', 'Bash', { command: 'npm test' }, 'sub-1']);
    expect(answer.exitCode).toBe(0);
    expect(JSON.parse(answer.stdout)).toEqual({
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'allowed by policy:default' },
    });
  });

  it('answers Codex an allow with nothing at all (it treats output it does not expect as a failed hook)', async () => {
    const { host } = recordingHost();
    expect(await handleHookEvent(host, 'codex', 'PreToolUse', bash)).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('blocks a denied call with exit 2 and the reason on stderr (the model sees it as the tool error)', async () => {
    const { host } = recordingHost({ decision: 'deny', reason: 'no network tools here', rule: 'policy:net' });
    for (const agent of ['claude-code', 'codex'] as const) {
      const answer = await handleHookEvent(host, agent, 'PreToolUse', bash);
      expect(answer.exitCode).toBe(2);
      expect(answer.stdout).toBe('');
      expect(answer.stderr).toContain('no network tools here');
    }
  });

  it('names the rule when a denial has no reason', async () => {
    const { host } = recordingHost({ decision: 'deny', reason: null, rule: 'profile:deny_tools' });
    expect((await handleHookEvent(host, 'claude-code', 'PreToolUse', bash)).stderr).toContain('profile:deny_tools');
  });

  it('blocks when the host cannot decide', async () => {
    const { host } = recordingHost(new Error('audit log not writable'));
    const answer = await handleHookEvent(host, 'claude-code', 'PreToolUse', bash);
    expect(answer.exitCode).toBe(2);
    expect(answer.stderr).toContain('audit log not writable');
  });

  it.each([
    ['no tool name', { ...bash, tool_name: undefined }],
    ['an empty tool name', { ...bash, tool_name: '' }],
    ['an input that is not an object', { ...bash, tool_input: 'rm -rf /' }],
    ['a call id that is not a string', { ...bash, tool_use_id: 7 }],
    ['no payload at all', undefined],
  ])('blocks a payload with %s without asking decide', async (_, payload) => {
    const { host, calls } = recordingHost();
    const answer = await handleHookEvent(host, 'claude-code', 'PreToolUse', payload);
    expect(answer.exitCode).toBe(2);
    expect(answer.stderr).toMatch(/invalid/);
    expect(calls.filter(([name]) => name === 'decide')).toEqual([]);
  });

  it('leaves the Flightdeck MCP tools to the MCP endpoint, which decides each call itself', async () => {
    const { host, calls } = recordingHost({ decision: 'deny', reason: 'x', rule: 'r' });
    const answer = await handleHookEvent(host, 'claude-code', 'PreToolUse', { ...bash, tool_name: 'mcp__flightdeck__ask_human' });
    expect(answer.exitCode).toBe(0);
    expect(JSON.parse(answer.stdout).hookSpecificOutput.permissionDecision).toBe('allow');
    expect(calls.filter(([name]) => name === 'decide')).toEqual([]);
    // A server merely named like it is another server: decided here.
    await handleHookEvent(host, 'claude-code', 'PreToolUse', { ...bash, tool_name: 'mcp__flightdeck2__ask_human' });
    expect(calls.filter(([name]) => name === 'decide')).toHaveLength(1);
  });

  it('reports the transcript path of any payload', async () => {
    const { host, calls } = recordingHost();
    await handleHookEvent(host, 'claude-code', 'PreToolUse', bash);
    expect(calls).toContainEqual(['transcript', bash.transcript_path]);
  });
});

describe('handleHookEvent: reports', () => {
  it('records how a tool call ended, ok or failed, with a bounded summary', async () => {
    const { host, calls } = recordingHost();
    const response = { stdout: 'x'.repeat(5000), stderr: '', interrupted: false };
    expect(await handleHookEvent(host, 'claude-code', 'PostToolUse', { ...bash, tool_response: response })).toEqual({
      exitCode: 0,
      stdout: '',
      stderr: '',
    });
    await handleHookEvent(host, 'claude-code', 'PostToolUseFailure', { ...bash, error: 'Exit code 1' });
    const done = calls.filter(([name]) => name === 'done');
    expect(done[0]!.slice(1, 4)).toEqual(['toolu_1', 'Bash', true]);
    expect((done[0]![4] as string).length).toBeLessThanOrEqual(1001);
    expect(done[1]!.slice(1)).toEqual(['toolu_1', 'Bash', false, 'Exit code 1']);
  });

  it('derives the status from prompts, turn ends and notifications', async () => {
    const { host, calls } = recordingHost();
    await handleHookEvent(host, 'claude-code', 'UserPromptSubmit', { prompt: 'go' });
    await handleHookEvent(host, 'claude-code', 'Notification', { message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' });
    await handleHookEvent(host, 'claude-code', 'Notification', { message: 'Claude is waiting for your input', notification_type: 'idle_prompt' });
    await handleHookEvent(host, 'claude-code', 'Notification', { message: 'something else', notification_type: 'auth_success' });
    await handleHookEvent(host, 'claude-code', 'Stop', { stop_hook_active: false });
    await handleHookEvent(host, 'codex', 'notify', { type: 'agent-turn-complete', 'turn-id': 't1' });
    expect(calls.filter(([name]) => name === 'setStatus')).toEqual([
      ['setStatus', 'working'],
      ['setStatus', 'waiting-for-human', 'Claude needs your permission to use Bash'],
      ['setStatus', 'idle'],
      ['setStatus', 'idle'],
      ['setStatus', 'idle'],
    ]);
  });

  it('takes SessionStart as the proof that the hooks are loaded', async () => {
    const { host, calls } = recordingHost();
    expect((await handleHookEvent(host, 'claude-code', 'SessionStart', { source: 'startup' })).exitCode).toBe(0);
    expect(calls).toEqual([['hooksVerified']]);
  });

  it('never blocks on a report it cannot read, and says so', async () => {
    const { host, calls } = recordingHost();
    const answer = await handleHookEvent(host, 'claude-code', 'PostToolUse', { tool_name: 5 });
    expect(answer.exitCode).toBe(0);
    expect(answer.stderr).toContain('invalid PostToolUse payload');
    expect(calls).toEqual([]);
  });

  it('blocks an event it does not know: only configured events should arrive', async () => {
    const { host } = recordingHost();
    expect((await handleHookEvent(host, 'claude-code', 'PermissionRequest', bash)).exitCode).toBe(2);
  });
});
