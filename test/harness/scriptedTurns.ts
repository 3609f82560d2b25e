// The model's scripted answers the way tests write them: a tool call, a shell command through run_command, text.
import type { ScriptedResponse } from './fake-anthropic';

export const call = (name: string, input: object, usage?: ScriptedResponse['usage']): ScriptedResponse => ({
  content: [{ type: 'tool_use', name, input: input as Record<string, unknown> }],
  ...(usage ? { usage } : {}),
});
export const shell = (command: string): ScriptedResponse => call('run_command', { command });
export const say = (text: string, usage?: ScriptedResponse['usage']): ScriptedResponse => ({ content: [{ type: 'text', text }], ...(usage ? { usage } : {}) });
