import type { z } from 'zod';

/** What every tool run gets: where it may act, and the signal that stops it when the agent shuts down. */
export interface ToolContext {
  /** The worktree's real path (symlinks resolved): every path a tool touches must stay inside it. */
  root: string;
  signal: AbortSignal;
}

export interface ToolOutcome {
  ok: boolean;
  /** What the model reads as the tool result. */
  content: string;
  /** One short line: the transcript's result line and tool.done's summary. */
  summary: string;
}

/** A tool the built-in agent offers the model: its name, description and input schema are what the model sees. */
export interface ToolSpec<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: S;
  /** Runs with input already validated by `input`; throws ToolFailure (or any error) for a tool error. */
  run(input: z.output<S>, context: ToolContext): Promise<ToolOutcome>;
}

export function defineTool<S extends z.ZodType>(spec: ToolSpec<S>): ToolSpec<S> {
  return spec;
}

/** A tool error meant for the model as it is (a refused path, a string not found): no stack, no prefix. */
export class ToolFailure extends Error {
  override readonly name = 'ToolFailure';
}

/** Node's fs errors say "ENOENT: no such file or directory, open '/abs/path'"; the model wants the path it gave. */
export function describeFsError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return `${path}: no such file or directory`;
    case 'EISDIR':
      return `${path} is a directory`;
    case 'ENOTDIR':
      return `${path}: a part of the path is not a directory`;
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied`;
    default:
      return `${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const oneDecimal = (value: number): string => value.toFixed(1).replace(/\.0$/, '');

export const formatBytes = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${oneDecimal(bytes / 1024)} KB` : `${oneDecimal(bytes / 1024 / 1024)} MB`;

/** "1 line", "3 lines". */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
