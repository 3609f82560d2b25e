// Runs the built-in agent in-process for tests: a fake daemon endpoint (TestEndpoint), the fake Messages API
// (test/harness/fake-anthropic) reached through the real SDK, a worktree in a temp dir, and the terminal as streams.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Emitter } from '../../../common/events';
import type { AgentHello } from '../../../common/protocol/agentEndpoint';
import { FAKE_API_KEY, fakeAnthropic, type FakeAnthropic, type ScriptedTurn } from '../../../test/harness/fake-anthropic';
import { runAgent, type AgentSignal } from '../agent';
import { TEST_TOKEN, TestEndpoint } from './testEndpoint';

export type { RecordedRequest } from '../../../test/harness/fake-anthropic';

export const TEST_MODEL = 'claude-test-model';

export interface AgentHarness {
  endpoint: TestEndpoint;
  model: FakeAnthropic;
  /** Real path of the agent's worktree (an empty temp dir). */
  worktree: string;
  /** The terminal's input: write a line to type it at the prompt, end() for Ctrl-D. */
  stdin: PassThrough;
  signals: Emitter<AgentSignal>;
  /** Everything the agent printed so far. */
  output(): string;
  /** Starts the agent; resolves with its exit code. */
  run(): Promise<number>;
  cleanup(): Promise<void>;
}

export async function agentHarness(script: ScriptedTurn[], hello: Partial<AgentHello> = {}): Promise<AgentHarness> {
  const worktree = realpathSync(mkdtempSync(join(tmpdir(), 'fd-worktree-')));
  const model = await fakeAnthropic(script);
  const endpoint = await TestEndpoint.start({ worktree, model: TEST_MODEL, ...hello });
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let printed = '';
  stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const signals = new Emitter<AgentSignal>();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    FLIGHTDECK_AGENT_SOCKET: endpoint.socketPath,
    FLIGHTDECK_AGENT_TOKEN: TEST_TOKEN,
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: FAKE_API_KEY,
  };
  return {
    endpoint,
    model,
    worktree,
    stdin,
    signals,
    output: () => printed,
    run: () => runAgent({ env, stdin, stdout, signals }),
    async cleanup() {
      await endpoint.close();
      await model.close();
      rmSync(worktree, { recursive: true, force: true });
    },
  };
}
