import { LEARNINGS_HEADING, sectionHeadings } from './parseRunbook';

/** `person:alice` → `alice`: runbooks are read by people, the audit keeps the full actor. */
function personOf(actor: string): string {
  return actor.replace(/^(person|user):/, '');
}

/** `- <text> (run <run>, accepted by <person>, <yyyy-mm-dd>)`: one accepted learning in a runbook's `## Learnings`. */
export function runbookLearningLine(learning: { text: string; run: string; acceptedBy: string; acceptedAt: number }): string {
  const day = new Date(learning.acceptedAt).toISOString().slice(0, 10);
  return `- ${learning.text} (run ${learning.run}, accepted by ${personOf(learning.acceptedBy)}, ${day})`;
}

/** A bullet's learning without the note of where it came from. */
function bulletText(line: string): string | null {
  const bullet = /^[-*+]\s+(.*)$/.exec(line.trim());
  return bullet ? bullet[1]!.replace(/\s*\(run r-[0-9a-f]+, accepted by [^)]*\)$/, '').trim() : null;
}

/** Where the Markdown body starts: the line after the front matter's closing `---` (0 when there is none). */
function bodyStart(lines: readonly string[]): number {
  if (lines[0]?.trimEnd() !== '---') return 0;
  const closing = lines.findIndex((line, index) => index > 0 && line.trimEnd() === '---');
  return closing < 0 ? 0 : closing + 1;
}

/**
 * The runbook's text with `lines` at the end of its `## Learnings` section, or in a new section at the end when it
 * has none. A learning whose text the section already has is left out, so a commit retried after a crash adds
 * nothing twice. The rest of the file stays byte for byte.
 */
export function appendLearnings(text: string, lines: readonly string[]): string {
  const all = text.split('\n');
  const start = bodyStart(all);
  const headings = sectionHeadings(all.slice(start)).map((index) => index + start);
  const heading = headings.find((index) => all[index]!.trimEnd() === LEARNINGS_HEADING);
  const end = heading === undefined ? all.length : (headings.find((index) => index > heading) ?? all.length);
  const known = new Set(heading === undefined ? [] : all.slice(heading + 1, end).map(bulletText));
  const added = lines.filter((line) => !known.has(bulletText(line)));
  if (added.length === 0) return text;
  if (heading === undefined) return `${text.trimEnd()}\n\n${LEARNINGS_HEADING}\n\n${added.join('\n')}\n`;
  let last = heading;
  for (let index = heading + 1; index < end; index++) if (all[index]!.trim() !== '') last = index;
  // A list after a heading or a paragraph reads as a list only after a blank line.
  const gap = last === heading || bulletText(all[last]!) === null ? [''] : [];
  const after = all.slice(last + 1);
  const spacer = after.some((line) => line.trim() !== '') && after[0]?.trim() !== '' ? [''] : [];
  return [...all.slice(0, last + 1), ...gap, ...added, ...spacer, ...after].join('\n');
}
