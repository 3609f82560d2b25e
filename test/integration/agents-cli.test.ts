// Claude Code and Codex (the real CLIs from npm) started by the real daemon over a real sshd: their hooks reach the
// agent's endpoint, every tool call is audited with its name and input, status comes from the hooks, a human
// attaches, sends a message typed at the agent's prompt, and stops it.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest } from '../harness/fake-anthropic';
import { FAKE_OPENAI_KEY, fakeOpenAI, type FakeOpenAI, type RecordedRequest as ResponsesRequest } from '../harness/fake-openai';
import { makeRepo, type TestRepo } from '../harness/repo';
import { addAgentHost, attachUntil, readAudit, toolDecisions, waitForAgent } from './agents/agentWorld';
import { withVm } from './fleet/env';

const PING = 'PING-FROM-LEAD';
const USAGE = { input_tokens: 1000, output_tokens: 25 };

describe('CLI agents started by the host over a real sshd', () => {
  const vm = withVm();
  let repo: TestRepo;
  const closers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    repo = await makeRepo();
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await repo.cleanup();
  });

  it('Claude Code: hooks decide and audit its tool calls, status from its hooks, attach, a message typed at its prompt, stop', async () => {
    const seen = (request: RecordedRequest, text: string) => JSON.stringify(request.body?.messages ?? []).includes(text);
    const respond = (request: RecordedRequest) => {
      if (seen(request, PING)) return { usage: USAGE, content: [{ type: 'text' as const, text: 'PONG-FROM-AGENT' }] };
      if (!seen(request, 'tool_result')) {
        return { usage: USAGE, content: [{ type: 'tool_use' as const, name: 'Write', input: { file_path: 'secret.txt', content: 'x' } }] };
      }
      if (!seen(request, 'echo hi')) {
        return { usage: USAGE, content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: 'echo hi > hello.txt', description: 'greet' } }] };
      }
      return { usage: USAGE, content: [{ type: 'text' as const, text: 'GREETED-THE-REPO' }] };
    };
    const model: FakeAnthropic = await fakeAnthropic(Array.from({ length: 40 }, () => respond));
    closers.push(() => model.close());
    const hostDir = await addAgentHost(vm.world, model);
    writeFileSync(join(hostDir, 'profiles.yaml'), 'profiles:\n  claude-careful:\n    kind: claude-code\n    model: claude-sonnet-4-5\n    deny_tools: [Write]\n');
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    const started = await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'claude-careful', '--task', 'Greet the repo', '--name', 'cc']);
    expect(started.stderr).toBe('');

    const idle = await waitForAgent(hostDir, 'cc', (agent) => agent.status === 'idle' && agent.turns >= 3, 90_000);
    expect(existsSync(join(idle.worktree, 'hello.txt'))).toBe(true);
    // The host's denial reached the model as the Write tool's error, and nothing was written.
    expect(existsSync(join(idle.worktree, 'secret.txt'))).toBe(false);
    const afterDenial = model.requests.find((request) => seen(request, 'tool_result'))!;
    expect(JSON.stringify(afterDenial.body?.messages)).toContain('does not allow the tool Write');
    const audit = readAudit(hostDir);
    expect(audit.find((row) => row.action === 'agent.hooks-verified' && row.target === 'agent:cc')).toBeDefined();
    const calls = toolDecisions(audit, 'cc');
    expect(calls.map((row) => [row.action, row.data.tool, row.outcome])).toEqual([
      ['file.write', 'Write', 'denied'],
      ['command.run', 'Bash', 'ok'],
    ]);
    expect(calls[0]!.data).toMatchObject({ input: { file_path: join(idle.worktree, 'secret.txt'), content: 'x' }, rule: 'profile:claude-careful:deny_tools:Write' });
    expect(calls[1]!.data.input).toEqual({ command: 'echo hi > hello.txt', description: 'greet' });
    expect(audit.filter((row) => row.action === 'tool.result' && row.actor === 'agent:cc').map((row) => row.outcome)).toEqual(['ok']);
    // Tokens from the transcript the hooks named: every model call once, as the model counted it.
    expect(idle.usage).toMatchObject({ inputTokens: idle.turns * USAGE.input_tokens, outputTokens: idle.turns * USAGE.output_tokens });
    expect(idle.turns).toBe(model.requests.filter((request) => request.path === '/v1/messages').length);
    expect(idle.model).toBe('claude-sonnet-4-5');
    expect(idle.costUsd).toBeCloseTo((idle.turns * (USAGE.input_tokens * 3 + USAGE.output_tokens * 15)) / 1_000_000);

    await attachUntil(world, 'vm/cc', 'GREETED-THE-REPO');
    const sent = await world.cli(['agent', 'send', 'vm/cc', PING, '--json']);
    expect(JSON.parse(sent.stdout).delivery).toBe('typed');
    await waitForAgent(hostDir, 'cc', (agent) => agent.status === 'idle' && model.requests.some((request) => seen(request, PING)), 90_000);
    // The reply to the message is counted with no hook after it (Claude Code may write it after its Stop hook).
    const modelCalls = model.requests.filter((request) => request.path === '/v1/messages').length;
    await waitForAgent(hostDir, 'cc', (agent) => agent.turns === modelCalls && agent.usage.inputTokens === modelCalls * USAGE.input_tokens);

    expect((await world.cli(['agent', 'stop', 'vm/cc'])).code).toBe(0);
    await waitForAgent(hostDir, 'cc', (agent) => agent.status === 'stopped');
  }, 240_000);

  it('Codex: its hooks and notify reach the host, attach, a message typed at its prompt, stop', async () => {
    const isMainThread = (request: ResponsesRequest) => (request.body?.tools ?? []).some((tool) => tool.name === 'exec_command');
    const seen = (request: ResponsesRequest, text: string) => JSON.stringify(request.body?.input ?? []).includes(text);
    const model: FakeOpenAI = await fakeOpenAI(
      Array.from({ length: 40 }, () => (request: ResponsesRequest) => {
        if (!isMainThread(request)) return { output: [{ type: 'message' as const, text: 'A title' }] };
        if (seen(request, PING)) return { output: [{ type: 'message' as const, text: 'PONG-FROM-AGENT' }] };
        if (!seen(request, 'function_call_output')) {
          return { output: [{ type: 'function_call' as const, name: 'exec_command', arguments: { cmd: 'echo hi > hello.txt' }, call_id: 'call_greet' }] };
        }
        return { output: [{ type: 'message' as const, text: 'GREETED-THE-REPO' }] };
      }),
    );
    closers.push(() => model.close());
    const anthropic = await fakeAnthropic([]);
    closers.push(() => anthropic.close());
    const hostDir = await addAgentHost(vm.world, anthropic, { FLIGHTDECK_CODEX_BASE_URL: model.url, OPENAI_API_KEY: FAKE_OPENAI_KEY });
    // This model gets the exec_command tool (newer defaults get a JavaScript "code mode").
    writeFileSync(join(hostDir, 'profiles.yaml'), 'profiles:\n  codex-classic:\n    kind: codex\n    model: gpt-5.5\n');
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    const started = await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'codex-classic', '--task', 'Greet the repo', '--name', 'cx']);
    expect(started.stderr).toBe('');

    // Idle after the command's result went back to the model: notify said the turn ended.
    const idle = await waitForAgent(hostDir, 'cx', (agent) => agent.status === 'idle' && model.requests.some((request) => seen(request, 'function_call_output')), 90_000);
    expect(existsSync(join(idle.worktree, 'hello.txt'))).toBe(true);
    const audit = readAudit(hostDir);
    expect(audit.find((row) => row.action === 'agent.hooks-verified' && row.target === 'agent:cx')).toBeDefined();
    const bash = toolDecisions(audit, 'cx');
    expect(bash.map((row) => [row.action, row.target, row.outcome, row.data.callId])).toEqual([['command.run', 'command:echo hi > hello.txt', 'ok', 'call_greet']]);
    expect(bash[0]!.data.input).toMatchObject({ command: 'echo hi > hello.txt' });

    await attachUntil(world, 'vm/cx', 'GREETED-THE-REPO');
    const sent = await world.cli(['agent', 'send', 'vm/cx', PING, '--json']);
    expect(JSON.parse(sent.stdout).delivery).toBe('typed');
    await waitForAgent(hostDir, 'cx', (agent) => agent.status === 'idle' && model.requests.some((request) => seen(request, PING)), 90_000);

    expect((await world.cli(['agent', 'stop', 'vm/cx'])).code).toBe(0);
    await waitForAgent(hostDir, 'cx', (agent) => agent.status === 'stopped');
  }, 240_000);
});
