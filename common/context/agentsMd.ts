import { LEARNINGS_FILE, RUNBOOKS_DIR, RUNS_DIR, DEFAULT_CONTEXT_BRANCH } from './layout';

export const AGENTS_MD = 'AGENTS.md';
const BEGIN_MARK = '<!-- flightdeck:begin';
export const BLOCK_BEGIN = `${BEGIN_MARK} (managed by Flightdeck; edits inside are replaced) -->`;
export const BLOCK_END = '<!-- flightdeck:end -->';

/** What agents of any tool (Claude Code, Codex, Cursor, …) read in AGENTS.md: where the team's context is. */
export const MANAGED_BLOCK = [
  BLOCK_BEGIN,
  '## Flightdeck context',
  '',
  'This repository is worked on by agents supervised with Flightdeck. Before you change code:',
  '',
  `- Runbooks (\`${RUNBOOKS_DIR}/*.md\`) say how recurring work is done here; their \`## Learnings\` sections are what earlier runs taught.`,
  `- Past runs (\`${RUNS_DIR}/<run>/\`) hold the plan that was approved (\`plan.md\`), the exact prompts and runbook (\`prompts/\`), what each step did (\`summary.md\`) and the decisions at each checkpoint (\`checkpoints.jsonl\`).`,
  `- The team's learnings and decisions across runs, and the audit trail, are on the \`${DEFAULT_CONTEXT_BRANCH}\` branch: \`git show origin/${DEFAULT_CONTEXT_BRANCH}:${LEARNINGS_FILE}\`.`,
  BLOCK_END,
].join('\n');

/**
 * AGENTS.md with the managed block inserted (appended after the file's own text) or replaced in place; the rest of
 * the file is left byte for byte. A file with a begin marker but no end marker is a person's half-edit: the block is
 * appended rather than guessing where theirs ends.
 */
export function withManagedBlock(existing: string | null): string {
  if (existing === null || existing.trim() === '') return `${MANAGED_BLOCK}\n`;
  // The last begin marker: an earlier unmatched one is a person's half-edit and stays theirs.
  const begin = existing.lastIndexOf(BEGIN_MARK);
  const end = begin < 0 ? -1 : existing.indexOf(BLOCK_END, begin);
  if (begin >= 0 && end >= 0) return existing.slice(0, begin) + MANAGED_BLOCK + existing.slice(end + BLOCK_END.length);
  const separator = existing.endsWith('\n\n') ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
  return `${existing}${separator}${MANAGED_BLOCK}\n`;
}
