// What the built-in agent's test files share: harnesses cleaned up after each test, and readers of what the agent
// sent the model and saved through its endpoint.
import { afterEach } from 'vitest';
import type { SavedConversation } from '../conversation';
import { agentHarness, type AgentHarness, type RecordedRequest } from './agentHarness';

/** Registers the cleanup in the calling test file; returns a harness maker whose harnesses it removes after each test. */
export function useAgentHarnesses(): (...args: Parameters<typeof agentHarness>) => Promise<AgentHarness> {
  const harnesses: AgentHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((harness) => harness.cleanup()));
  });
  return async (...args) => {
    const created = await agentHarness(...args);
    harnesses.push(created);
    return created;
  };
}

export type Block = { type: string; tool_use_id?: string; content?: unknown; is_error?: boolean; text?: string; id?: string; name?: string };
export const lastBlocks = (request: RecordedRequest | undefined): Block[] => {
  const content = request?.body?.messages.at(-1)?.content;
  return Array.isArray(content) ? (content as Block[]) : [];
};
export const idle = (agent: AgentHarness, count = 1) => agent.endpoint.waitFor('agent.state', (params) => params.status === 'idle', count);
export const lastSave = (agent: AgentHarness) => agent.endpoint.of('conversation.save').at(-1)!;
export const savedMessages = (agent: AgentHarness) => (lastSave(agent).conversation as SavedConversation).messages;
/** The messages of a request as they were saved: the cache breakpoint on the newest block is for the wire only. */
export const withoutCacheControl = (messages: unknown): unknown =>
  JSON.parse(JSON.stringify(messages), (key, value: unknown) => (key === 'cache_control' ? undefined : value));

export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}
