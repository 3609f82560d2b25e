// Codex (the real CLI from npm), interactive in a PTY, governed by the host: its PreToolUse hook and `notify` run
// `agent-host hook`, its only MCP server is `agent-host mcp`, all reaching a stand-in of the daemon's endpoint. The
// model is fake-openai (the Responses API).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codexLauncher } from '../../../agent-host/cliAgents/codex';
import { FAKE_OPENAI_KEY, fakeOpenAI, toolOutputs, type RecordedRequest, type ScriptedResponse } from '../../harness/fake-openai';
import { changed, launchContext, profile, PtyRun, scratch, TestEndpoint, waitFor } from './fixture';

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Codex also asks the model for a session title (a request without its shell tool): answered apart from the script. */
const isMainThread = (request: RecordedRequest) => (request.body?.tools ?? []).some((tool) => tool.name === 'exec_command');

describe('Codex under the host', () => {
  it('runs in a PTY against fake-openai: tool calls pass the hook (a denial reaches the model), MCP calls reach a human, notify ends the turn', async () => {
    const dirs = scratch();
    cleanups.push(dirs.cleanup);
    const reason = 'writing denied.txt is not allowed';
    const endpoint = await TestEndpoint.start(dirs.socketPath, {
      decide: (tool, input) =>
        String(input.command).includes('denied.txt') ? { decision: 'deny', reason, rule: 'test:deny' } : { decision: 'allow', reason: null, rule: 'test:allow' },
      answer: () => ({ answer: 'Go ahead.', by: 'lead' }),
    });
    cleanups.push(() => endpoint.close());

    const marker = join(dirs.worktree, 'marker.txt');
    const denied = join(dirs.worktree, 'denied.txt');
    const outside = join(dirs.root, 'outside.txt');
    const exec = (cmd: string, call_id: string): ScriptedResponse => ({ output: [{ type: 'function_call', name: 'exec_command', arguments: { cmd }, call_id }] });
    const steps: Array<(request: RecordedRequest) => ScriptedResponse> = [
      () => exec(`echo ran > ${marker}`, 'call_allowed'),
      () => exec(`echo no > ${denied}`, 'call_denied'),
      // Allowed by the host, but outside the worktree (and in .codex/): Codex's own sandbox refuses both.
      () => exec(`echo out > ${outside}`, 'call_outside'),
      () => exec(`mkdir -p .codex && echo '{}' > .codex/hooks.json`, 'call_plant'),
      () => ({ output: [{ type: 'tool_search_call', arguments: { query: 'flightdeck ask human', limit: 5 }, call_id: 'call_search' }] }),
      () => ({
        output: [{ type: 'function_call', namespace: 'mcp__flightdeck', name: 'ask_human', arguments: { question: 'Ship it?' }, call_id: 'call_ask' }],
      }),
      () => ({ output: [{ type: 'message', text: 'All done.' }] }),
    ];
    const main: RecordedRequest[] = [];
    const fake = await fakeOpenAI(
      Array.from({ length: 20 }, () => (request: RecordedRequest): ScriptedResponse => {
        if (!isMainThread(request)) return { output: [{ type: 'message', text: 'A title' }] };
        main.push(request);
        return steps[main.length - 1]?.(request) ?? { output: [{ type: 'message', text: 'Nothing more.' }] };
      }),
    );
    cleanups.push(() => fake.close());
    fake.onRequest(changed);

    const context = launchContext(
      'codex',
      dirs,
      { FLIGHTDECK_CODEX_BASE_URL: fake.url, OPENAI_API_KEY: FAKE_OPENAI_KEY },
      // This model gets the exec_command and apply_patch tools (newer defaults get a JavaScript "code mode").
      { profile: profile('codex', { model: 'gpt-5.5' }) },
    );
    const spec = codexLauncher(context);
    const run = new PtyRun(spec.command, spec.args, dirs.worktree, spec.env);
    cleanups.push(() => run.kill());
    const describeRun = () => `screen: ${run.text().slice(-2000)}\nevents: ${JSON.stringify(endpoint.events.map((event) => event.event))}`;
    await waitFor(() => main.length >= steps.length && endpoint.statuses.some((status) => status.status === 'idle'), 'the last model call and notify', 90_000, describeRun);

    const outputs = toolOutputs(main.at(-1)!);
    // The provider-side web search (no hook would see it) is not offered.
    expect(main[0]!.body?.tools?.map((tool) => tool.name ?? tool.type)).not.toContain('web_search');
    // The hooks were loaded (SessionStart), every shell command reached decide with its command line.
    expect(endpoint.hooksVerified).toBeGreaterThanOrEqual(1);
    const viaHook = endpoint.decided.filter((call) => call.via === 'hook');
    expect(viaHook.map((call) => call.tool)).toEqual(['Bash', 'Bash', 'Bash', 'Bash']);
    expect(viaHook[0]!).toMatchObject({ callId: 'call_allowed', input: { command: `echo ran > ${marker}` } });
    // Allowed: it ran. Denied: the model got the reason, and nothing was written.
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
    expect(outputs.get('call_denied')).toContain(reason);
    expect(existsSync(denied)).toBe(false);
    expect(existsSync(outside)).toBe(false);
    // Nor can the agent plant a project layer for its next start: the sandbox keeps .codex/ read-only.
    expect(existsSync(join(dirs.worktree, '.codex', 'hooks.json'))).toBe(false);
    // The Flightdeck tool was found through tool search, decided by the MCP endpoint, and answered by a human.
    expect(outputs.get('call_search')).toContain('ask_human');
    expect(endpoint.decided.filter((call) => call.via === 'mcp').map((call) => call.tool)).toEqual(['ask_human']);
    expect(endpoint.asks).toEqual([{ kind: 'ask_human', input: { question: 'Ship it?' } }]);
    expect(outputs.get('call_ask')).toContain('Go ahead.');
    // Outcomes and status: PostToolUse reported the commands that ran, notify the end of the turn.
    expect(endpoint.done.filter((done) => done.tool === 'Bash').map((done) => done.callId)).toContain('call_allowed');
    expect(endpoint.events.some((event) => event.event === 'notify')).toBe(true);
    expect(endpoint.statuses[0]).toEqual({ status: 'working' });
    expect([...endpoint.transcripts].every((path) => path.startsWith(join(dirs.agentDir, 'codex', 'home')))).toBe(true);
  // Above the wait's own 90 s, so a run that hangs reports Codex's screen and the hook events instead of vitest's bare timeout.
  }, 120_000);

  it('resumes the agent’s last session (resume --last) with its history', async () => {
    const dirs = scratch();
    cleanups.push(dirs.cleanup);
    const endpoint = await TestEndpoint.start(dirs.socketPath);
    cleanups.push(() => endpoint.close());
    const main: RecordedRequest[] = [];
    const fake = await fakeOpenAI(
      Array.from({ length: 10 }, () => (request: RecordedRequest): ScriptedResponse => {
        if (!isMainThread(request)) return { output: [{ type: 'message', text: 'A title' }] };
        main.push(request);
        return { output: [{ type: 'message', text: main.length === 1 ? 'Noted.' : 'It was PAPAYA.' }] };
      }),
    );
    cleanups.push(() => fake.close());
    fake.onRequest(changed);
    const context = launchContext(
      'codex',
      dirs,
      { FLIGHTDECK_CODEX_BASE_URL: fake.url, OPENAI_API_KEY: FAKE_OPENAI_KEY },
      { profile: profile('codex', { model: 'gpt-5.5' }), task: 'Remember the word PAPAYA.' },
    );
    const first = codexLauncher(context);
    const run = new PtyRun(first.command, first.args, dirs.worktree, first.env);
    cleanups.push(() => run.kill());
    await waitFor(() => main.length === 1 && endpoint.statuses.some((status) => status.status === 'idle'), 'the first turn', 60_000, () => run.text().slice(-1500));
    run.kill();
    await run.exited;

    const again = codexLauncher({ ...context, resuming: true });
    const resumed = new PtyRun(again.command, again.args, dirs.worktree, again.env);
    cleanups.push(() => resumed.kill());
    await waitFor(() => resumed.text().includes('Noted.'), 'the resumed session to show its history', 60_000, () => resumed.text().slice(-1500));
    resumed.write('What was the word?');
    // Enter only once the TUI shows the text (its last word: words are drawn with cursor moves between them): sent
    // together, a TUI that reads input in one go takes the Enter as pasted.
    await waitFor(() => resumed.text().includes('word?'), 'the end of the typed question on the screen', 30_000, () => resumed.text().slice(-1500));
    resumed.write('\r');
    await waitFor(() => main.length === 2, 'the resumed turn', 60_000, () => resumed.text().slice(-1500));

    const history = JSON.stringify(main[1]!.body?.input);
    expect(history).toContain('Remember the word PAPAYA.');
    expect(history).toContain('Noted.');
    expect(history).toContain('What was the word?');
  });
});
