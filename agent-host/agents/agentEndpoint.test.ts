import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentEndpointProtocol } from '../../common/protocol/agentEndpoint';
import { RpcPeer } from '../../common/wire/peer';
import { SocketTransport } from '../wire/socketTransport';
import { AgentEndpoint, type AgentEndpointHandlers } from './agentEndpoint';

const TOKEN = 'a-token-of-sixteen-or-more-characters';

describe('an agent endpoint', () => {
  let dir: string;
  let endpoint: AgentEndpoint;
  const decided: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'endpoint-'));
    const handlers = {
      hello: () => ({ name: 'a1', kind: 'builtin', worktree: dir, branch: 'flightdeck/a1', task: 't', model: null, limits: { maxTurns: 1, maxTokens: 1, contextTokens: 1 }, turns: 0, conversation: null }),
      decide: ({ tool }: { tool: string }) => {
        decided.push(tool);
        return Promise.resolve({ decision: 'allow' as const, reason: null, rule: 'test' });
      },
    } as unknown as AgentEndpointHandlers;
    endpoint = await AgentEndpoint.open(join(dir, 'e.sock'), TOKEN, handlers, () => undefined);
  });

  afterEach(() => {
    endpoint.close();
    rmSync(dir, { recursive: true, force: true });
    decided.length = 0;
  });

  const client = () =>
    new Promise<RpcPeer<typeof agentEndpointProtocol>>((resolve, reject) => {
      const socket = connect(join(dir, 'e.sock'), () => resolve(new RpcPeer(agentEndpointProtocol, new SocketTransport(socket), { requestTimeoutMs: 5000 })));
      socket.once('error', reject);
    });

  it('is a 0600 socket that answers nothing before a hello with the right token, and closes on a wrong one', async () => {
    expect(statSync(join(dir, 'e.sock')).mode & 0o777).toBe(0o600);
    const early = await client();
    await expect(early.request('tool.decide', { callId: 'c1', tool: 'read_file', input: {} })).rejects.toThrow(/first request must be agent.hello/);
    expect(decided).toEqual([]);

    const wrong = await client();
    const closed = new Promise<void>((resolve) => wrong.onClose(() => resolve()));
    await expect(wrong.request('agent.hello', { token: 'x'.repeat(TOKEN.length), role: 'agent' })).rejects.toThrow(/wrong agent token/);
    await closed;

    const right = await client();
    expect((await right.request('agent.hello', { token: TOKEN, role: 'hook' })).name).toBe('a1');
    expect(await right.request('tool.decide', { callId: 'c2', tool: 'read_file', input: { path: 'x' } })).toMatchObject({ decision: 'allow' });
    expect(decided).toEqual(['read_file']);
    right.close();
  });

  it('handles a request sent right behind the hello, unanswered yet, as authenticated by it or not (hook.pl pipelines)', async () => {
    const wrong = await client();
    const refused = wrong.request('agent.hello', { token: 'x'.repeat(TOKEN.length), role: 'hook' });
    const behindWrong = wrong.request('tool.decide', { callId: 'c1', tool: 'read_file', input: {} });
    await expect(refused).rejects.toThrow(/wrong agent token/);
    // Refused as unauthenticated, or cut off by the close that follows a wrong token: never decided.
    await expect(behindWrong).rejects.toThrow();
    expect(decided).toEqual([]);

    const right = await client();
    const hello = right.request('agent.hello', { token: TOKEN, role: 'hook' });
    const behindRight = right.request('tool.decide', { callId: 'c2', tool: 'read_file', input: {} });
    expect((await hello).name).toBe('a1');
    expect(await behindRight).toMatchObject({ decision: 'allow' });
    expect(decided).toEqual(['read_file']);
    right.close();
  });

  it('refuses a socket path longer than a Unix socket address holds, naming the way out', async () => {
    await expect(AgentEndpoint.open(join(dir, 'x'.repeat(120), 'e.sock'), TOKEN, {} as AgentEndpointHandlers, () => undefined)).rejects.toThrow(/shorter state dir/);
  });
});
