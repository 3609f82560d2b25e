import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import type { RunToolName } from '../../../common/protocol/flightdeckTools';
import type { Endpoint } from '../endpoint';
import { editFileTool, readFileTool, writeFileTool } from './fileTools';
import { flightdeckToolSpecs } from './flightdeckToolSpecs';
import { listFilesTool } from './listFiles';
import { runCommandTool } from './runCommand';
import { findRipgrep, searchTool } from './search';
import type { ToolSpec } from './toolSpec';

/** Every tool of the built-in agent, in the order the model sees them; `runTools`: those its run offers it alone. */
export function builtinTools(endpoint: Endpoint, env: Record<string, string | undefined>, runTools: readonly RunToolName[] = []): ToolSpec[] {
  return [
    readFileTool,
    writeFileTool,
    editFileTool,
    listFilesTool,
    searchTool(findRipgrep(env.PATH)),
    runCommandTool(env),
    ...flightdeckToolSpecs(endpoint, runTools),
  ] as ToolSpec[];
}

/** The tools as the Messages API takes them; the last carries the cache breakpoint, so all of them are cached. */
export function toolDefinitions(specs: readonly ToolSpec[]): Tool[] {
  return specs.map((spec, index) => {
    const { $schema: _dialect, ...schema } = z.toJSONSchema(spec.input, { io: 'input' });
    const definition: Tool = { name: spec.name, description: spec.description, input_schema: schema as Tool.InputSchema };
    return index === specs.length - 1 ? { ...definition, cache_control: { type: 'ephemeral' } } : definition;
  });
}
