import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAnthropic, type FakeAnthropic, type RecordedRequest } from '../harness/fake-anthropic';
import { makeRepo, type TestRepo } from '../harness/repo';
import { addAgentHost, listAgents, readAudit, resultText, toolDecisions, toolResults, waitForAgent } from './agents/agentWorld';
import { withVm } from './fleet/env';

const FIXTURE = [
  {
    message: 'A greeting with a typo, and its test',
    files: {
      'src/greet.js': "export const greeting = 'helo';\n",
      'test.sh': 'grep -q "hello" src/greet.js && echo PASS || { echo FAIL; exit 1; }\n',
    },
  },
];

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

function lastUserText(request: RecordedRequest): string {
  const messages = request.body!.messages;
  const content = messages[messages.length - 1]!.content;
  return typeof content === 'string' ? content : (content as { type: string; text?: string }[]).map((block) => block.text ?? '').join('');
}

describe('the built-in agent on a host over a real sshd', () => {
  const vm = withVm();
  let repo: TestRepo;
  let model: FakeAnthropic | undefined;

  beforeEach(async () => {
    repo = await makeRepo(FIXTURE);
  });

  afterEach(async () => {
    await model?.close();
    model = undefined;
    await repo.cleanup();
  });

  it('reads, edits, tests and commits in its own worktree, every tool call audited, tokens as the model counted', async () => {
    const usage = (turn: number) => ({ input_tokens: 1000 + turn, output_tokens: 50 + turn });
    model = await fakeAnthropic([
      { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'src/greet.js' } }], usage: usage(1) },
      (request) => {
        expect(resultText(toolResults(request.body)[0]!)).toContain("'helo'");
        return {
          content: [{ type: 'tool_use', name: 'edit_file', input: { path: 'src/greet.js', old_string: "'helo'", new_string: "'hello'" } }],
          usage: usage(2),
        };
      },
      { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'NOTES.md', content: 'fixed the greeting\n' } }], usage: usage(3) },
      { content: [{ type: 'tool_use', name: 'run_command', input: { command: 'sh test.sh' } }], usage: usage(4) },
      (request) => {
        expect(resultText(toolResults(request.body)[0]!)).toContain('PASS');
        return {
          content: [
            { type: 'text', text: 'Tests pass; committing.' },
            { type: 'tool_use', name: 'run_command', input: { command: 'git add -A && git commit -q -m "Fix the greeting"' } },
          ],
          usage: usage(5),
        };
      },
      { content: [{ type: 'text', text: 'Fixed and committed.' }], usage: usage(6) },
      (request) => {
        expect(lastUserText(request)).toContain('Now say bye');
        return { content: [{ type: 'text', text: 'Bye.' }], usage: usage(7) };
      },
    ]);
    const hostDir = await addAgentHost(vm.world, model);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);

    const started = await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'builtin', '--task', 'Fix the greeting typo', '--name', 'fixer', '--json']);
    expect(started.stderr).toBe('');
    const start = JSON.parse(started.stdout) as { id: string; session: string; branch: string; worktree: string };
    expect(start).toMatchObject({ id: 'vm/fixer', branch: 'flightdeck/fixer', worktree: join(hostDir, 'worktrees', 'fixer') });
    expect(start.session).toMatch(/^s-/);

    let agent = await waitForAgent(hostDir, 'fixer', (candidate) => candidate.status === 'idle' && model!.remaining() === 1);
    expect(readFileSync(join(start.worktree, 'src/greet.js'), 'utf8')).toBe("export const greeting = 'hello';\n");
    expect(git(start.worktree, 'log', '-1', '--format=%s|%an', 'flightdeck/fixer')).toBe('Fix the greeting|flightdeck agent fixer');
    expect(git(start.worktree, 'status', '--porcelain')).toBe('');

    const toolCalls = toolDecisions(readAudit(hostDir), 'fixer');
    expect(toolCalls.map((row) => [row.action, row.data.tool, row.outcome])).toEqual([
      ['tool.call', 'read_file', 'ok'],
      ['file.write', 'edit_file', 'ok'],
      ['file.write', 'write_file', 'ok'],
      ['command.run', 'run_command', 'ok'],
      ['command.run', 'run_command', 'ok'],
    ]);
    expect(toolCalls[4]!.target).toBe('command:git add -A && git commit -q -m "Fix the greeting"');
    expect(toolCalls[1]!.data.input).toEqual({ path: 'src/greet.js', old_string: "'helo'", new_string: "'hello'" });
    expect(toolCalls[4]!.data.input).toEqual({ command: 'git add -A && git commit -q -m "Fix the greeting"' });
    expect(new Set(toolCalls.map((row) => row.data.callId)).size).toBe(5);

    const sum = (key: 'input_tokens' | 'output_tokens') => [1, 2, 3, 4, 5, 6].reduce((total, turn) => total + usage(turn)[key], 0);
    expect(agent.usage).toMatchObject({ inputTokens: sum('input_tokens'), outputTokens: sum('output_tokens') });
    expect(agent.turns).toBe(6);
    expect(agent.costUsd).toBeGreaterThan(0);

    // A message from the tech lead reaches the idle agent's conversation.
    const sent = await world.cli(['agent', 'send', 'vm/fixer', 'Thanks. Now say bye.', '--json']);
    expect(JSON.parse(sent.stdout)).toEqual({ agent: 'vm/fixer', delivery: 'queued' });
    agent = await waitForAgent(hostDir, 'fixer', (candidate) => candidate.status === 'idle' && candidate.turns === 7);
    expect(model.remaining()).toBe(0);
    // The key in agent.env never reaches the audit.
    const audit = JSON.stringify(readAudit(hostDir));
    expect(audit).not.toContain('sk-ant-fake-test-key');
  }, 180_000);

  it('keeps two agents of one repo apart: neither sees the other’s files', async () => {
    model = await fakeAnthropic([
      { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'mine.txt', content: 'first agent\n' } }] },
      { content: [{ type: 'text', text: 'written' }] },
      { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'mine.txt' } }] },
      (request) => {
        const [result] = toolResults(request.body);
        expect(result!.is_error).toBe(true);
        return { content: [{ type: 'tool_use', name: 'read_file', input: { path: '../first/mine.txt' } }] };
      },
      (request) => {
        const [result] = toolResults(request.body);
        expect(result!.is_error).toBe(true);
        expect(resultText(result!)).toMatch(/outside the worktree/i);
        return { content: [{ type: 'text', text: 'nothing there' }] };
      },
    ]);
    const hostDir = await addAgentHost(vm.world, model);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    expect((await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'builtin', '--task', 'write', '--name', 'first'])).stdout.trim()).toBe('vm/first');
    await waitForAgent(hostDir, 'first', (agent) => agent.status === 'idle' && agent.turns === 2);
    expect((await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'builtin', '--task', 'look', '--name', 'second'])).stdout.trim()).toBe('vm/second');
    const second = await waitForAgent(hostDir, 'second', (agent) => agent.status === 'idle' && agent.turns === 3);
    expect(existsSync(join(second.worktree, 'mine.txt'))).toBe(false);
    expect(model.remaining()).toBe(0);

    // Remove: the dirty one only with --force; the branches stay.
    await world.cli(['agent', 'stop', 'vm/first']);
    await waitForAgent(hostDir, 'first', (agent) => agent.status === 'stopped');
    const refused = await world.cli(['agent', 'remove', 'vm/first']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('mine.txt');
    expect((await world.cli(['agent', 'remove', 'vm/first', '--force'])).code).toBe(0);
    const first = join(second.worktree, '..', 'first');
    expect(existsSync(first)).toBe(false);
    const bare = join(second.worktree, '..', '..', 'repos', 'app.git');
    expect(git(bare, 'branch', '--list', 'flightdeck/*')).toContain('flightdeck/first');
    expect((await listAgents(world)).map((agent) => agent.name)).toEqual(['second']);
  }, 180_000);

  it('continues its conversation after a kill -9 of the daemon mid-turn: agent resume', async () => {
    const longText = 'Thinking about the next step. '.repeat(40);
    model = await fakeAnthropic([
      { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'a.txt', content: 'one\n' } }] },
      // Streams slowly: the daemon dies while this turn is under way.
      { content: [{ type: 'text', text: longText }], eventDelayMs: 100 },
      (request) => {
        const messages = request.body!.messages;
        // The task, the write_file call and its result: the saved conversation, nothing of the cut-off turn.
        expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
        expect(resultText(toolResults(request.body)[0]!)).toMatch(/wrote|written|a\.txt/i);
        return { content: [{ type: 'text', text: 'Resumed and done.' }] };
      },
    ]);
    const hostDir = await addAgentHost(vm.world, model);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    expect((await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'builtin', '--task', 'write a.txt', '--name', 'sturdy'])).code).toBe(0);
    await model.receivedRequests(2);
    const daemonPid = Number(readFileSync(join(hostDir, 'daemon.pid'), 'utf8'));
    process.kill(daemonPid, 'SIGKILL');

    const interrupted = await waitForAgent(hostDir, 'sturdy', (agent) => agent.status === 'interrupted');
    expect(interrupted.turns).toBe(1);
    const resumed = await world.cli(['agent', 'resume', 'vm/sturdy', '--json']);
    expect(resumed.stderr).toBe('');
    expect(JSON.parse(resumed.stdout).session).not.toBe(interrupted.sessionId);
    await waitForAgent(hostDir, 'sturdy', (agent) => agent.status === 'idle' && model!.remaining() === 0);
    expect(readFileSync(join(interrupted.worktree, 'a.txt'), 'utf8')).toBe('one\n');
    expect(readAudit(hostDir).filter((row) => row.action === 'agent.resume').map((row) => row.outcome)).toEqual(['ok']);
  }, 180_000);

  it('waits on the tech lead with its question, takes the answer from agent send, and is denied what its profile denies', async () => {
    model = await fakeAnthropic([
      { content: [{ type: 'tool_use', name: 'ask_human', input: { question: 'Which port should the server use?', options: ['8080', '9090'] } }] },
      (request) => {
        expect(resultText(toolResults(request.body)[0]!)).toContain('9090');
        return { content: [{ type: 'tool_use', name: 'run_command', input: { command: 'touch ran.txt' } }] };
      },
      (request) => {
        const [result] = toolResults(request.body);
        expect(result!.is_error).toBe(true);
        expect(resultText(result!)).toContain('does not allow the tool run_command');
        return { content: [{ type: 'text', text: 'Understood.' }] };
      },
    ]);
    const hostDir = await addAgentHost(vm.world, model);
    writeFileSync(join(hostDir, 'profiles.yaml'), 'profiles:\n  careful:\n    kind: builtin\n    deny_tools: [run_command]\n');
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    expect((await world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'careful', '--task', 'pick a port', '--name', 'asker'])).code).toBe(0);

    const waiting = await waitForAgent(hostDir, 'asker', (agent) => agent.status === 'waiting-for-human');
    expect(waiting.question).toMatchObject({ kind: 'ask_human', text: 'Which port should the server use?', options: ['8080', '9090'] });
    const sessions = JSON.parse((await world.cli(['session', 'list', 'vm', '--json'])).stdout) as { sessions: { session: { id: string; status: string } }[] };
    expect(sessions.sessions.find((row) => row.session.id === waiting.sessionId)?.session.status).toBe('waiting-for-input');

    const answered = await world.cli(['agent', 'send', 'vm/asker', 'Use 9090', '--json']);
    expect(JSON.parse(answered.stdout).delivery).toBe('answered');
    const done = await waitForAgent(hostDir, 'asker', (agent) => agent.status === 'idle' && model!.remaining() === 0);
    expect(done.question).toBeNull();
    expect(existsSync(join(done.worktree, 'ran.txt'))).toBe(false);

    const audit = readAudit(hostDir);
    const denied = toolDecisions(audit, 'asker').find((row) => row.data.tool === 'run_command')!;
    expect(denied).toMatchObject({ actor: 'agent:asker', outcome: 'denied', data: { rule: 'profile:careful:deny_tools:run_command' } });
    expect(audit.find((row) => row.action === 'agent.answer')).toMatchObject({ outcome: 'ok', data: { answer: 'Use 9090' } });
  }, 180_000);

  it('leaves nothing behind when a start is refused: unknown repo, profile or ref, a taken name', async () => {
    model = await fakeAnthropic([]);
    const hostDir = await addAgentHost(vm.world, model);
    const { world } = vm;
    expect((await world.cli(['repo', 'add', 'vm', 'app', repo.dir])).code).toBe(0);
    const start = (...extra: string[]) => world.cli(['agent', 'start', 'vm', '--repo', 'app', '--profile', 'builtin', '--task', 't', ...extra]);

    expect((await world.cli(['agent', 'start', 'vm', '--repo', 'nope', '--profile', 'builtin', '--task', 't'])).stderr).toContain('nope');
    expect((await start('--profile', 'imaginary')).stderr).toContain('no profile "imaginary"');
    const badRef = await start('--name', 'based', '--base', 'no-such-branch');
    expect(badRef.code).toBe(1);
    expect(badRef.stderr).toContain('no-such-branch');
    expect(existsSync(join(hostDir, 'worktrees', 'based'))).toBe(false);
    expect(git(join(hostDir, 'repos', 'app.git'), 'branch', '--list', 'flightdeck/*')).toBe('');

    const badRepo = await world.cli(['repo', 'add', 'vm', 'broken', join(repo.dir, 'missing')]);
    expect(badRepo.code).toBe(1);
    expect(existsSync(join(hostDir, 'repos', 'broken.git'))).toBe(false);
    expect(JSON.parse((await world.cli(['repo', 'list', 'vm', '--json'])).stdout).repos.map((r: { name: string }) => r.name)).toEqual(['app']);
    expect(await listAgents(world)).toEqual([]);
    expect(readAudit(hostDir).filter((row) => row.action === 'agent.start').every((row) => row.outcome === 'error')).toBe(true);

    writeFileSync(join(hostDir, 'profiles.yaml'), 'profiles:\n  sleeper:\n    kind: command\n    command: sleep\n    args: ["60"]\n');
    expect((await start('--profile', 'sleeper', '--name', 'dup')).code).toBe(0);
    const taken = await start('--profile', 'sleeper', '--name', 'dup');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('an agent named dup already exists');
    expect((await listAgents(world)).map((agent) => agent.name)).toEqual(['dup']);
    expect((await world.cli(['agent', 'stop', 'vm/dup'])).code).toBe(0);
  }, 180_000);
});
