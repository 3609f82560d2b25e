// The MCP gateway with real processes: Claude Code (the real CLI) in its sandbox on a host over a real sshd sees the
// reference server @modelcontextprotocol/server-everything only through the host's gateway, with only the tools the
// host policy allows; each call is audited before it is forwarded; a denied tool is absent and never reaches it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest } from '../harness/fake-anthropic';
import { makeRepo, type TestRepo } from '../harness/repo';
import { addAgentHost, readAudit, waitForAgent } from './agents/agentWorld';
import { ROOT, withVm } from './fleet/env';

const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const USAGE = { input_tokens: 1000, output_tokens: 25 };
const ECHO = 'mcp__flightdeck__everything__echo';
const GET_ENV = 'mcp__flightdeck__everything__get-env';

describe('the MCP gateway in front of a real MCP server, for Claude Code in its sandbox', () => {
  const vm = withVm();
  let repo: TestRepo;
  let model: FakeAnthropic | undefined;

  beforeEach(async () => {
    repo = await makeRepo();
  });

  afterEach(async () => {
    await model?.close();
    model = undefined;
    await repo.cleanup();
  });

  it('offers only the allowed tools, forwards an allowed call after auditing it, and a denied one never arrives', async () => {
    const seen = (request: RecordedRequest, text: string) => JSON.stringify(request.body?.messages ?? []).includes(text);
    const respond = (request: RecordedRequest) => {
      if (!seen(request, 'tool_result')) return { usage: USAGE, content: [{ type: 'tool_use' as const, name: ECHO, input: { message: 'through the gateway' } }] };
      if (!seen(request, 'get-env')) return { usage: USAGE, content: [{ type: 'tool_use' as const, name: GET_ENV, input: {} }] };
      return { usage: USAGE, content: [{ type: 'text' as const, text: 'DONE-WITH-MCP' }] };
    };
    model = await fakeAnthropic(Array.from({ length: 20 }, () => respond));
    const hostDir = await addAgentHost(vm.world, model);
    writeFileSync(
      join(hostDir, 'policy.yaml'),
      [
        'mcp:',
        '  servers:',
        '    everything:',
        `      command: ${JSON.stringify(process.execPath)}`,
        `      args: [${JSON.stringify(EVERYTHING)}, stdio]`,
        '      tools: { allow: [echo, get-env], deny: [get-env] }',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    writeFileSync(join(hostDir, 'profiles.yaml'), 'profiles:\n  claude:\n    kind: claude-code\n    model: claude-sonnet-4-5\n');
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    expect((await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'claude', '--task', 'Use the MCP tools', '--name', 'mcp-user'])).stderr).toBe('');
    await waitForAgent(hostDir, 'mcp-user', (agent) => agent.status === 'idle' && model!.requests.some((request) => seen(request, 'get-env')), 120_000);

    // The model was offered echo from the upstream server, never get-env (denied) nor the server's other tools.
    // Claude Code defers MCP tools: it names them to the model in a reminder. Only echo of the upstream server.
    const named = (request: RecordedRequest) => [...JSON.stringify(request.body?.messages ?? []).matchAll(/mcp__flightdeck__everything__[\w-]+/g)].map((match) => match[0]);
    expect(new Set(named(model.requests[1]!))).toEqual(new Set([ECHO]));
    const afterEcho = model.requests.find((request) => seen(request, 'tool_result'))!;
    expect(JSON.stringify(afterEcho.body?.messages)).toContain('Echo: through the gateway');

    const audit = readAudit(hostDir).filter((row) => row.actor === 'agent:mcp-user');
    const calls = audit.filter((row) => row.action === 'mcp.call');
    expect(calls.map((row) => [row.target, row.outcome])).toEqual([['mcp:everything/echo', 'ok']]);
    expect(calls[0]!.data).toMatchObject({ arguments: { message: 'through the gateway' } });
    const call = audit.findIndex((row) => row.action === 'mcp.call');
    const result = audit.findIndex((row) => row.action === 'mcp.result');
    expect(call).toBeLessThan(result);
    expect(audit[result]).toMatchObject({ outcome: 'ok' });
    // The denied tool does not exist for the agent: Claude Code refused it, nothing reached the gateway or the server.
    const afterGetEnv = model.requests.find((request) => seen(request, 'No such tool available'))!;
    expect(JSON.stringify(afterGetEnv.body?.messages)).toContain(`No such tool available: ${GET_ENV}`);
  }, 180_000);
});
