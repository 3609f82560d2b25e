/**
 * What a tool call would do, read from its input the way each agent names it: the command line a shell tool runs,
 * the files a write tool touches. Tool names: the built-in agent's (run_command, write_file, edit_file), Claude
 * Code's (Bash, Write, Edit, MultiEdit, NotebookEdit) and Codex's (Bash / exec_command / shell, apply_patch).
 */

const COMMAND_TOOLS = new Set(['Bash', 'run_command', 'exec_command', 'shell', 'local_shell']);
const PATH_TOOLS: Record<string, readonly string[]> = {
  write_file: ['path'],
  edit_file: ['path'],
  Write: ['file_path'],
  Edit: ['file_path'],
  MultiEdit: ['file_path'],
  NotebookEdit: ['notebook_path'],
};
const PATCH_TOOLS = new Set(['apply_patch']);
// apply_patch's envelope names each file it adds, updates, deletes or moves to.
const PATCH_FILE_LINE = /^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+)$/gm;

/** A single-quoted shell word, so an argv given as an array reads back as the same words. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command line a shell tool would run, or null for any other tool. */
export function commandOf(tool: string, input: Record<string, unknown>): string | null {
  if (!COMMAND_TOOLS.has(tool)) return null;
  const value = input.command ?? input.cmd;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((word) => typeof word === 'string')) return value.map(shellWord).join(' ');
  // A shell tool whose command cannot be read is still a command: an empty one, which the gate refuses.
  return '';
}

/** The files a write tool would change (as given: relative ones are relative to the worktree), or null. */
export function writtenPaths(tool: string, input: Record<string, unknown>): string[] | null {
  const keys = PATH_TOOLS[tool];
  if (keys) return keys.map((key) => input[key]).filter((value): value is string => typeof value === 'string');
  if (!PATCH_TOOLS.has(tool)) return null;
  const paths: string[] = [];
  for (const value of Object.values(input)) {
    if (typeof value !== 'string') continue;
    for (const match of value.matchAll(PATCH_FILE_LINE)) paths.push(match[1]!.trim());
  }
  return paths;
}
