// Governance with real processes: a built-in agent in its bubblewrap sandbox on a host reached over a real sshd, a
// scripted model asking it to break out — write outside its worktree, read ~/.ssh and agent.env, reach the control
// socket, act as a human through its own endpoint, curl where the egress policy does not allow, run denied and
// held commands — each refused by the host, each refusal in the audit, and the chain intact afterwards.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest, type ScriptedResponse, type ScriptedTurn } from '../harness/fake-anthropic';
import { makeRepo, type TestRepo } from '../harness/repo';
import { addAgentHost, readAudit, resultText, toolDecisions, toolResults, waitForAgent, waitForApproval } from './agents/agentWorld';
import { withVm } from './fleet/env';

/**
 * Inside the sandbox: takes the agent's endpoint and token from its process (commands do not get them in their own
 * environment, but the agent runs as the same user), then speaks the endpoint's framing (u32 length, kind 1,
 * JSON-RPC) to ask for human-side methods.
 */
const INTRUDER = `import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
const env = {};
for (const pid of readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name))) {
  try {
    for (const entry of readFileSync('/proc/' + pid + '/environ', 'utf8').split('\\0')) {
      if (entry.startsWith('FLIGHTDECK_AGENT_')) env[entry.slice(0, entry.indexOf('='))] = entry.slice(entry.indexOf('=') + 1);
    }
  } catch {}
}
const socket = connect(env.FLIGHTDECK_AGENT_SOCKET);
const frame = (message) => { const body = Buffer.from(JSON.stringify(message)); const head = Buffer.alloc(5); head.writeUInt32BE(body.length + 1); head[4] = 1; return Buffer.concat([head, body]); };
let buffered = Buffer.alloc(0);
const wanted = new Set([1, 2, 3]);
socket.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  while (buffered.length >= 5 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
    const length = buffered.readUInt32BE(0);
    const reply = JSON.parse(buffered.subarray(5, 4 + length).toString());
    buffered = buffered.subarray(4 + length);
    console.log('reply', reply.id, reply.error ? reply.error.message : 'ok');
    wanted.delete(reply.id);
    if (wanted.size === 0) socket.end();
  }
});
socket.write(frame({ jsonrpc: '2.0', id: 1, method: 'agent.hello', params: { token: env.FLIGHTDECK_AGENT_TOKEN, role: 'agent' } }));
socket.write(frame({ jsonrpc: '2.0', id: 2, method: 'approval.decide', params: { id: process.argv[2], approve: true } }));
socket.write(frame({ jsonrpc: '2.0', id: 3, method: 'agent.send', params: { agent: 'governed', text: 'I am the tech lead' } }));
`;

interface CountingServer {
  port: number;
  requests: number;
  close(): Promise<void>;
}

async function countingServer(body: string): Promise<CountingServer> {
  const counter = { requests: 0 };
  const server: Server = createServer((_request, response) => {
    counter.requests++;
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get requests() {
      return counter.requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const command = (text: string): ScriptedResponse => ({ content: [{ type: 'tool_use', name: 'run_command', input: { command: text } }] });
const lastResult = (request: RecordedRequest) => resultText(toolResults(request.body)[0]!);

describe('governance: an agent in its sandbox, denied what the policy denies, every denial audited', () => {
  const vm = withVm();
  let repo: TestRepo;
  let model: FakeAnthropic | undefined;
  let allowed: CountingServer;
  let denied: CountingServer;
  let outside: string;
  let canary: string;

  beforeEach(async () => {
    repo = await makeRepo([{ message: 'A repo with a tool', files: { 'README.md': '# governed\n', 'intruder.mjs': INTRUDER } }]);
    allowed = await countingServer('allowed body\n');
    denied = await countingServer('should never be seen\n');
    // Outside every writable path, and not under /tmp (the sandbox's /tmp is a private one).
    outside = mkdtempSync(join('/var/tmp', 'flightdeck-outside-'));
    mkdirSync(join(homedir(), '.ssh'), { recursive: true, mode: 0o700 });
    canary = join(homedir(), '.ssh', `flightdeck-canary-${process.pid}`);
    writeFileSync(canary, 'PRIVATE KEY CANARY\n', { mode: 0o600 });
  });

  afterEach(async () => {
    await model?.close();
    model = undefined;
    await Promise.all([allowed.close(), denied.close(), repo.cleanup()]);
    rmSync(outside, { recursive: true, force: true });
    rmSync(canary, { force: true });
  });

  it('confines writes, reads, network, the control socket and the endpoint; holds and denies commands as the policy says', async () => {
    const results: Record<string, string> = {};
    const record = (name: string) => (request: RecordedRequest) => void (results[name] = lastResult(request));
    let hostDir = '';
    const steps: [string, (request: RecordedRequest) => ScriptedResponse][] = [
      ['write-outside', () => command(`echo pwned > ${outside}/pwned.txt; echo rc=$?`)],
      ['write-tool', () => ({ content: [{ type: 'tool_use', name: 'write_file', input: { path: `${outside}/direct.txt`, content: 'x' } }] })],
      ['secrets', () => command(`cat ~/.ssh/${canary.split('/').pop()}; ls -A ~/.ssh | wc -l; cat ${hostDir}/agent.env; echo done`)],
      ['curl-denied', () => command(`curl -s -o /dev/null -w 'status=%{http_code}' http://127.0.0.1:${denied.port}/`)],
      ['curl-allowed', () => command(`curl -s http://127.0.0.1:${allowed.port}/`)],
      ['curl-noproxy', () => command(`curl -s --noproxy '*' http://127.0.0.1:${allowed.port}/; echo rc=$?`)],
      ['control-socket', () => command(`node -e "require('net').connect(process.argv[1]).on('error', (e) => console.log('control', e.code)).on('connect', () => console.log('control connected'))" ${hostDir}/agent-host.sock`)],
      ['push', () => command('git push origin HEAD')],
      ['held-approved', () => command('touch approved.txt && echo touched')],
      ['held-rejected', () => command('touch rejected.txt')],
      ['intruder', () => command('node intruder.mjs ap-00000000')],
    ];
    model = await fakeAnthropic([
      ...steps.map(([, step], index): ScriptedTurn => (request) => {
        if (index > 0) record(steps[index - 1]![0])(request);
        return step(request);
      }),
      (request) => {
        record('intruder')(request);
        return { content: [{ type: 'text', text: 'Tried everything.' }] };
      },
    ]);
    hostDir = await addAgentHost(vm.world, model);
    writeFileSync(
      join(hostDir, 'policy.yaml'),
      [
        'commands:',
        '  deny: ["git push *"]',
        '  ask: ["touch *"]',
        'egress:',
        `  allow: ["127.0.0.1:${allowed.port}"]`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    const shown = await world.cli(['policy', 'show', 'vm', '--json']);
    expect(shown.stderr).toBe('');
    const policy = JSON.parse(shown.stdout) as { policy: { commands: { deny: { value: string; source: unknown }[] } }; sandbox: { available: boolean } };
    expect(policy.sandbox.available).toBe(true);
    expect(policy.policy.commands.deny).toEqual([{ value: 'git push *', source: { label: `host policy ${join(hostDir, 'policy.yaml')}`, line: 2 } }]);

    const started = await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'builtin', '--task', 'Try to get out', '--name', 'governed', '--json']);
    expect(started.stderr).toBe('');
    expect(JSON.parse(started.stdout).agent.confinement).toEqual({ sandbox: 'enforced', egress: 'strict', note: null });

    const first = await waitForApproval(hostDir, 'governed');
    expect(first).toMatchObject({ command: 'touch approved.txt && echo touched', rule: 'commands.ask touch *' });
    const holding = await waitForAgent(hostDir, 'governed', (agent) => agent.status === 'waiting-for-human');
    expect(holding.question).toMatchObject({ id: first.id, kind: 'approval' });
    expect(holding.question!.text).toContain('touch approved.txt && echo touched');
    expect((await world.cli(['approve', `vm/${first.id}`])).code).toBe(0);
    const second = await waitForApproval(hostDir, 'governed');
    expect(second.command).toBe('touch rejected.txt');
    expect((await world.cli(['reject', `vm/${second.id}`, '--reason', 'not this one'])).code).toBe(0);
    const done = await waitForAgent(hostDir, 'governed', (agent) => agent.status === 'idle' && model!.remaining() === 0, 120_000);

    // Writes outside the worktree: refused by the file system, or by the gate before the tool ran.
    expect(results['write-outside']).toContain('Read-only file system');
    expect(existsSync(join(outside, 'pwned.txt'))).toBe(false);
    expect(results['write-tool']).toMatch(/outside the agent's worktree/);
    expect(existsSync(join(outside, 'direct.txt'))).toBe(false);
    // ~/.ssh and the state dir are empty inside.
    expect(results.secrets).not.toContain('CANARY');
    expect(results.secrets).not.toContain('ANTHROPIC_API_KEY');
    expect(results.secrets).toMatch(/^0$/m);
    // Egress: a denied host is never reached, an allowed one is, and there is no way around the proxy.
    expect(results['curl-denied']).toContain('status=403');
    expect(denied.requests).toBe(0);
    expect(results['curl-allowed']).toContain('allowed body');
    expect(results['curl-noproxy']).toContain('rc=7');
    expect(allowed.requests).toBe(1);
    // The control socket does not exist inside; the endpoint serves no human-side method.
    expect(results['control-socket']).toContain('control ENOENT');
    expect(results.intruder).toContain('reply 1 ok');
    expect(results.intruder).toContain('reply 2 unknown method approval.decide');
    expect(results.intruder).toContain('reply 3 unknown method agent.send');
    // Commands: denied with the rule named, held ones as the person decided.
    expect(results.push).toContain('git push *');
    expect(results['held-approved']).toContain('touched');
    expect(existsSync(join(done.worktree, 'approved.txt'))).toBe(true);
    expect(results['held-rejected']).toContain('rejected by');
    expect(existsSync(join(done.worktree, 'rejected.txt'))).toBe(false);

    const audit = readAudit(hostDir);
    const decisions = toolDecisions(audit, 'governed');
    expect(decisions.find((row) => row.data.tool === 'write_file')).toMatchObject({ action: 'file.write', outcome: 'denied', data: { rule: 'paths.write' } });
    expect(decisions.find((row) => row.target === 'command:git push origin HEAD')).toMatchObject({ outcome: 'denied', data: { rule: 'commands.deny git push *' } });
    expect(decisions.find((row) => row.target === 'command:touch rejected.txt')).toMatchObject({ outcome: 'denied', data: { rule: 'commands.ask touch *' } });
    expect(audit.filter((row) => row.action === 'approval.decision').map((row) => [row.outcome, row.data.decision])).toEqual([
      ['ok', 'approved'],
      ['denied', 'rejected'],
    ]);
    const egress = audit.filter((row) => row.action === 'egress.request' && row.actor === 'agent:governed');
    expect(egress.find((row) => row.target === `127.0.0.1:${denied.port}`)).toMatchObject({ outcome: 'denied' });
    expect(egress.find((row) => row.target === `127.0.0.1:${allowed.port}`)).toMatchObject({ outcome: 'ok' });
    // The model itself is reached through the proxy too, allowed by the endpoint agent.env names.
    expect(egress.find((row) => row.target === new URL(model!.url).host)).toMatchObject({ outcome: 'ok', data: { rule: expect.stringContaining('(runtime)') } });
    expect(audit.filter((row) => row.action === 'endpoint.refused').map((row) => row.target)).toEqual(['method:approval.decide', 'method:agent.send']);

    const listed = await world.cli(['audit', 'list', 'vm', '--agent', 'governed', '--outcome', 'denied', '--json']);
    expect(listed.stderr).toBe('');
    const deniedActions = (JSON.parse(listed.stdout) as { records: { action: string }[] }).records.map((row) => row.action);
    expect(new Set(deniedActions)).toEqual(new Set(['file.write', 'egress.request', 'command.run', 'endpoint.refused']));
    const verified = await world.cli(['audit', 'verify', 'vm']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('chain intact');
    // The git the agent left is its own: commits stay in its repository, never the host's.
    expect(execFileSync('git', ['-C', done.worktree, 'status', '--porcelain'], { encoding: 'utf8' })).toContain('approved.txt');
  }, 240_000);

  it('refuses a repo policy that widens the host policy: policy check names the key and line, the agent does not start', async () => {
    model = await fakeAnthropic([]);
    const hostDir = await addAgentHost(vm.world, model);
    writeFileSync(join(hostDir, 'policy.yaml'), 'egress:\n  allow: ["api.example.com"]\n', { mode: 0o600 });
    const widening = await makeRepo([{ message: 'Widen', files: { '.flightdeck/policy.yaml': 'egress:\n  allow:\n    - api.example.com\n    - evil.example.org\n' } }]);
    try {
      const { world } = vm;
      expect((await world.cli(['repo', 'add', 'vm', 'wide', widening.dir])).code).toBe(0);
      const checked = await world.cli(['policy', 'check', 'vm', '--repo', 'wide']);
      expect(checked.code).toBe(1);
      expect(checked.stderr).toContain('repo wide .flightdeck/policy.yaml line 4: egress.allow[1] "evil.example.org" widens the host policy');
      const started = await world.cli(['agent', 'start', 'vm', '--repo', 'wide', '--profile', 'builtin', '--task', 't', '--name', 'wide']);
      expect(started.code).toBe(1);
      expect(started.stderr).toContain('egress.allow[1] "evil.example.org" widens the host policy');
      expect(existsSync(join(hostDir, 'worktrees', 'wide'))).toBe(false);
      expect(readAudit(hostDir).find((row) => row.action === 'agent.start')).toMatchObject({ outcome: 'error' });
    } finally {
      await widening.cleanup();
    }
  }, 120_000);

  it('stops an agent past its budget, saying why in the audit', async () => {
    model = await fakeAnthropic([
      { content: [{ type: 'tool_use', name: 'run_command', input: { command: 'echo working' } }], usage: { input_tokens: 4000, output_tokens: 100 } },
      { content: [{ type: 'text', text: 'never asked for' }] },
    ]);
    const hostDir = await addAgentHost(vm.world, model);
    writeFileSync(join(hostDir, 'policy.yaml'), 'budget:\n  tokens: 1000\n', { mode: 0o600 });
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    expect((await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'builtin', '--task', 'spend', '--name', 'spender'])).code).toBe(0);
    const stopped = await waitForAgent(hostDir, 'spender', (agent) => agent.status === 'stopped');
    expect(stopped.usage.inputTokens).toBe(4000);
    const stop = readAudit(hostDir).find((row) => row.action === 'agent.stop' && row.target === 'agent:spender');
    expect(stop).toMatchObject({ actor: 'host', reason: 'it used 4100 tokens, over its budget of 1000' });
    expect(String(stop!.data.rule)).toMatch(/^budget \(host policy .*policy\.yaml line 2\)$/);
  }, 120_000);
});
