// Claude Code (the real CLI from npm) governed by the host: its hooks run `agent-host hook`, its only MCP server is
// `agent-host mcp`, and both reach a stand-in of the daemon's endpoint. The model is fake-anthropic.
import { existsSync, readFileSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeCodeLauncher } from '../../../agent-host/cliAgents/claudeCode';
import { transcriptUsage } from '../../../agent-host/cliAgents/transcriptUsage';
import { offeredFlightdeckTools } from '../../../common/protocol/flightdeckTools';
import { FAKE_API_KEY, fakeAnthropic, type FakeAnthropic, type RecordedRequest, type ScriptedResponse } from '../../harness/fake-anthropic';
import { changed, launchContext, profile, PtyRun, scratch, TestEndpoint, waitFor } from './fixture';

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The tool results of the request's last user message (Claude Code may append a system message after it). */
function toolResults(request: RecordedRequest): Array<{ tool_use_id: string; is_error?: boolean; content: unknown }> {
  const last = request.body?.messages.findLast((message) => message.role === 'user');
  return Array.isArray(last?.content) ? last.content.filter((block: { type?: string }) => block.type === 'tool_result') : [];
}

const toolNames = (request: RecordedRequest) => (request.body?.tools ?? []).map((tool) => (tool as { name: string }).name);
const text = (value: unknown) => JSON.stringify(value);

/** What each scripted model call reports as its usage. */
const USAGE = { input_tokens: 1000, output_tokens: 25 };

type Turn = (request: RecordedRequest) => ScriptedResponse | undefined;

/**
 * Scripted turns answered in order; after the script the model just ends its turn. A turn that answers undefined is
 * not ready: the model runs `sleep 1` and the turn is tried again on the next request.
 */
function model(turns: Turn[]) {
  let next = 0;
  const respond = (request: RecordedRequest): ScriptedResponse => {
    const turn = turns[next];
    if (!turn) return { usage: USAGE, content: [{ type: 'text', text: 'Nothing more to do.' }] };
    const response = turn(request);
    if (!response) return { usage: USAGE, content: [{ type: 'tool_use', name: 'Bash', input: { command: 'sleep 1', description: 'wait' } }] };
    next++;
    return { usage: USAGE, ...response };
  };
  return Array.from({ length: turns.length + 20 }, () => respond);
}

async function setUp(endpointOptions: Parameters<typeof TestEndpoint.start>[1], listen = true) {
  const dirs = scratch();
  cleanups.push(dirs.cleanup);
  const endpoint = listen ? await TestEndpoint.start(dirs.socketPath, endpointOptions) : undefined;
  if (endpoint) cleanups.push(() => endpoint.close());
  return { dirs, endpoint };
}

async function serveModel(turns: Turn[]): Promise<FakeAnthropic> {
  const fake = await fakeAnthropic(model(turns));
  cleanups.push(() => fake.close());
  fake.onRequest(changed);
  return fake;
}

function start(spec: { command: string; args: string[]; env: Record<string, string> }, cwd: string): PtyRun {
  const run = new PtyRun(spec.command, spec.args, cwd, spec.env);
  cleanups.push(() => run.kill());
  return run;
}

describe('Claude Code under the host', () => {
  it('asks the host about every tool call, interactive in a PTY: a denial reaches the model, MCP calls reach a human', async () => {
    const reason = 'secrets/ is protected: ask the tech lead first';
    const { dirs, endpoint } = await setUp({
      decide: (tool, input) =>
        tool === 'Write' && String(input.file_path).includes('secrets')
          ? { decision: 'deny', reason, rule: 'test:protected' }
          : { decision: 'allow', reason: null, rule: 'test:allow' },
      answer: () => ({ answer: 'Yes, refactor it.', by: 'lead' }),
    });
    const secret = join(dirs.worktree, 'secrets', 'key.txt');
    const marker = join(dirs.worktree, 'bash-ran.txt');
    const seen: RecordedRequest[] = [];
    const fake = await serveModel([
      (request) => {
        seen.push(request);
        return { content: [{ type: 'text', text: 'Writing the key.' }, { type: 'tool_use', name: 'Write', input: { file_path: secret, content: 'k' } }] };
      },
      (request) => {
        seen.push(request);
        const command = `echo ran > ${marker}`;
        return { content: [{ type: 'tool_use', name: 'Bash', input: { command, description: 'mark' } }] };
      },
      (request) => {
        // Claude Code connects MCP servers in the background of an interactive session: the first requests may not
        // list their tools yet.
        if (!toolNames(request).includes('mcp__flightdeck__ask_human')) return undefined;
        seen.push(request);
        const input = { question: 'May I refactor the parser?', options: ['yes', 'no'] };
        return { content: [{ type: 'tool_use', name: 'mcp__flightdeck__ask_human', input }] };
      },
      (request) => {
        seen.push(request);
        return { content: [{ type: 'text', text: 'All done here.' }] };
      },
    ]);

    const context = launchContext('claude-code', dirs, { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: FAKE_API_KEY });
    const run = start(claudeCodeLauncher(context), dirs.worktree);
    const describeRun = () => `screen: ${run.text().slice(-1500)}\nevents: ${text(endpoint!.events.map((event) => event.event))}`;
    await waitFor(() => seen.length === 4 && endpoint!.statuses.at(-1)?.status === 'idle', 'the fourth model call and the Stop hook', 60_000, describeRun);

    // The hooks were loaded from the generated settings, and the MCP endpoint's tools were offered by name.
    expect(endpoint!.hooksVerified).toBeGreaterThanOrEqual(1);
    expect(toolNames(seen[2]!).filter((name) => name.startsWith('mcp__'))).toEqual(
      expect.arrayContaining(offeredFlightdeckTools([]).map((name) => `mcp__flightdeck__${name}`)),
    );
    // The denied Write: the model got a tool error carrying the host's reason, and the file was never written.
    const denied = toolResults(seen[1]!);
    expect(denied).toHaveLength(1);
    expect(denied[0]!.is_error).toBe(true);
    expect(text(denied[0]!.content)).toContain(reason);
    expect(existsSync(secret)).toBe(false);
    // The allowed Bash call ran, and its outcome was reported.
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
    expect(endpoint!.done).toEqual(expect.arrayContaining([expect.objectContaining({ tool: 'Bash', ok: true })]));
    // Each tool call reached decide with its name and input; the Flightdeck tool was decided by the MCP endpoint.
    const decided = endpoint!.decided.filter((call) => call.input.command !== 'sleep 1');
    expect(decided.map(({ via, tool }) => `${via}:${tool}`)).toEqual(['hook:Write', 'hook:Bash', 'mcp:ask_human']);
    expect(decided[0]!.input).toEqual({ file_path: secret, content: 'k' });
    expect(decided[1]!.input).toMatchObject({ command: `echo ran > ${marker}` });
    expect(endpoint!.asks).toEqual([{ kind: 'ask_human', input: { question: 'May I refactor the parser?', options: ['yes', 'no'] } }]);
    expect(text(toolResults(seen[3]!)[0]?.content)).toContain('Yes, refactor it.');
    // Status came from the hooks; the transcript lives in the agent's own config dir.
    expect(endpoint!.statuses.map((status) => status.status)).toEqual(['working', 'idle']);
    expect([...endpoint!.transcripts].every((path) => path.startsWith(join(dirs.agentDir, 'claude-code', 'config')))).toBe(true);
    expect(endpoint!.hellos).toContain('mcp');
    // The transcript the hooks named holds each model call's usage once (once the last reply is in: see below).
    const [transcript] = [...endpoint!.transcripts];
    await untilFileHolds(transcript!, '"All done here."', 'the last reply in the transcript');
    const counted = await transcriptUsage(transcript!);
    const calls = fake.requests.filter((request) => request.path === '/v1/messages').length;
    expect(counted.messages).toBe(calls);
    expect(counted.usage).toEqual({ inputTokens: calls * USAGE.input_tokens, outputTokens: calls * USAGE.output_tokens, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(counted.model).toBe(seen[0]!.body?.model);
  });

  it('continues the conversation on resume (--continue), from the agent’s own config dir', async () => {
    const { dirs, endpoint } = await setUp({});
    const seen: RecordedRequest[] = [];
    const fake = await serveModel([
      (request) => (seen.push(request), { content: [{ type: 'text', text: 'Noted.' }] }),
      (request) => (seen.push(request), { content: [{ type: 'text', text: 'It was PAPAYA.' }] }),
    ]);
    const context = launchContext('claude-code', dirs, { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: FAKE_API_KEY }, { task: 'Remember the word PAPAYA.' });
    const first = start(claudeCodeLauncher(context), dirs.worktree);
    await waitFor(() => seen.length === 1 && endpoint!.statuses.at(-1)?.status === 'idle', 'the first turn to end', 60_000, () => first.text().slice(-1500));
    // Claude Code may append the reply to its transcript after the Stop hook answered: killed before that, it
    // resumes with "No response requested." in the reply's place.
    const [transcript] = [...endpoint!.transcripts];
    await untilFileHolds(transcript!, '"Noted."', 'the first reply in the transcript');
    first.kill();
    await first.exited;

    const resumed = start(claudeCodeLauncher({ ...context, resuming: true }), dirs.worktree);
    await waitFor(() => endpoint!.hooksVerified >= 2 && resumed.text().includes('❯'), 'the resumed session to start', 60_000, () => resumed.text().slice(-1500));
    resumed.write('What was the word?');
    // Enter only once the TUI shows the text (its last word: words are drawn with cursor moves between them): sent
    // together, a TUI that reads input in one go takes the Enter as pasted.
    await waitFor(() => resumed.text().includes('word?'), 'the end of the typed question on the screen', 30_000, () => resumed.text().slice(-1500));
    resumed.write('\r');
    await waitFor(() => seen.length === 2, 'the resumed turn', 60_000, () => resumed.text().slice(-1500));

    const history = text(seen[1]!.body?.messages);
    expect(history).toContain('Remember the word PAPAYA.');
    expect(history).toContain('Noted.');
    expect(history).toContain('What was the word?');
  });

  it('blocks a tool call whose hook cannot reach the host (the endpoint went away): the side effect never happens', async () => {
    const { dirs, endpoint } = await setUp({
      // The endpoint stops listening once the prompt got through: from then on every hook finds no socket.
      afterHookEvent: (event) => void (event === 'UserPromptSubmit' && endpoint!.close()),
    });
    const marker = join(dirs.worktree, 'must-not-exist.txt');
    const seen: RecordedRequest[] = [];
    const fake = await serveModel([
      () => ({ content: [{ type: 'tool_use', name: 'Bash', input: { command: `touch ${marker}`, description: 'touch' } }] }),
      (request) => {
        seen.push(request);
        return { content: [{ type: 'text', text: 'Blocked, stopping.' }] };
      },
    ]);
    const context = launchContext('claude-code', dirs, { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: FAKE_API_KEY });
    // Print mode this time (profile args go first): it exits when the turn ends.
    const run = start(claudeCodeLauncher({ ...context, profile: profile('claude-code', { args: ['-p'] }) }), dirs.worktree);
    expect(await run.exited).toBe(0);

    const [result] = toolResults(seen[0]!);
    expect(result?.is_error).toBe(true);
    expect(text(result?.content)).toContain('the host could not be asked');
    expect(existsSync(marker)).toBe(false);
    expect(endpoint!.decided).toEqual([]);
  });

  it('sends nothing to the model when the host cannot be reached at all: the prompt itself is blocked', async () => {
    const { dirs } = await setUp({}, false);
    const fake = await serveModel([]);
    const context = launchContext('claude-code', dirs, { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: FAKE_API_KEY });
    const run = start(claudeCodeLauncher({ ...context, profile: profile('claude-code', { args: ['-p'] }) }), dirs.worktree);
    await run.exited;

    expect(run.text()).toContain('blocked by hook');
    expect(fake.requests.filter((request) => request.path === '/v1/messages')).toEqual([]);
  });
});

/**
 * Resolves once the file holds `text`; each write in its directory (the file's creation too) wakes the check. Claude
 * Code may append a reply to its transcript after the Stop hook answered, so the idle status does not mean it is in.
 */
async function untilFileHolds(path: string, text: string, what: string): Promise<void> {
  const read = (): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  const watcher = watch(dirname(path), () => changed());
  try {
    await waitFor(() => read().includes(text), what, 30_000, () => read().slice(-1500));
  } finally {
    watcher.close();
  }
}
