import type { RunRecord, RunRecordItem } from '../protocol/runRecord';
import { DECISIONS_FILE, LEARNINGS_FILE } from './layout';
import { utcMinute } from './runFiles';

/**
 * The team's Markdown files on the context branch (decisions.md, learnings.md) are lists of entries kept by id, so two
 * syncs meeting on the branch merge by id, and a person may annotate an entry in the repo without the next sync
 * undoing it. Each entry starts with a marker line; text above the first marker is the file's header (Flightdeck's).
 */

export interface ContextEntry {
  /** Stable across syncs and machines: `<run>/plan-v<N>`, `<run>/<item id>`. No spaces. */
  id: string;
  /** Epoch ms: entries are listed by time, then id. */
  time: number;
  /** Markdown, without the marker line; a person's edits live here. */
  body: string;
}

export interface EntriesDoc {
  file: string;
  header: string;
  /** Shown instead of entries while there are none. */
  empty: string;
}

const MARKER = /^<!-- flightdeck:entry (\S+) (\S+) -->$/;

function markerLine(entry: ContextEntry): string {
  return `<!-- flightdeck:entry ${entry.id} ${new Date(entry.time).toISOString()} -->`;
}

/** Blank lines around a body are layout, not content: trimmed so parse(render(x)) is x. */
function trimBody(lines: string[]): string {
  return lines.join('\n').replace(/^\n+/, '').trimEnd();
}

/** Text before the first marker is the header; each marker's body runs to the next marker. A marker whose time does not parse is text. */
export function parseEntries(text: string): { header: string; entries: ContextEntry[] } {
  const headerLines: string[] = [];
  const entries: ContextEntry[] = [];
  let current: { id: string; time: number; lines: string[] } | null = null;
  const close = () => {
    if (current) entries.push({ id: current.id, time: current.time, body: trimBody(current.lines) });
  };
  for (const line of text.split('\n')) {
    const match = MARKER.exec(line.trimEnd());
    const time = match ? Date.parse(match[2]!) : NaN;
    if (match && !Number.isNaN(time)) {
      close();
      current = { id: match[1]!, time, lines: [] };
    } else {
      (current?.lines ?? headerLines).push(line);
    }
  }
  close();
  return { header: headerLines.join('\n').trimEnd(), entries };
}

function byTimeThenId(a: ContextEntry, b: ContextEntry): number {
  return a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The file as written: the doc's header, then the entries oldest first (or the doc's empty note). Deterministic. */
export function renderEntries(doc: EntriesDoc, entries: readonly ContextEntry[]): string {
  const blocks = entries.length === 0 ? [doc.empty] : [...entries].sort(byTimeThenId).map((entry) => `${markerLine(entry)}\n${entry.body}`);
  return `${[doc.header.trimEnd(), ...blocks].join('\n\n')}\n`;
}

/** Every entry of both by id; for an id in both, `existing`'s wins (a person may have edited it in the repo). */
export function unionEntries(existing: readonly ContextEntry[], incoming: readonly ContextEntry[]): ContextEntry[] {
  const byId = new Map<string, ContextEntry>();
  for (const entry of [...existing, ...incoming]) if (!byId.has(entry.id)) byId.set(entry.id, entry);
  return [...byId.values()];
}

const EDIT_NOTE = 'Written by `flightdeck context sync`. Text you add inside an entry (below its marker line) is kept; text above the first entry is replaced.';

export const DECISIONS_DOC: EntriesDoc = {
  file: DECISIONS_FILE,
  header: `# Decisions\n\nEvery plan version approved or sent back, and every checkpoint and escalation decided, across the team's runs.\n\n${EDIT_NOTE}`,
  empty: '_No decisions yet._',
};

export const LEARNINGS_DOC: EntriesDoc = {
  file: LEARNINGS_FILE,
  header: `# Learnings\n\nWhat the team's runs taught, as accepted from run retrospectives.\n\n${EDIT_NOTE}`,
  empty: '_No learnings accepted yet._',
};

/** A multi-line text as a Markdown quote. */
function quote(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => `> ${line}`.trimEnd())
    .join('\n');
}

function planEntries(record: RunRecord): ContextEntry[] {
  const { run } = record;
  return record.plans
    .filter((version) => version.status === 'approved' || version.status === 'changes-requested')
    .map((version) => {
      const lines = [
        `### ${run.id} · plan v${version.version} ${version.status}${version.decidedBy ? ` by ${version.decidedBy}` : ''}`,
        '',
        `- Run: ${run.id} (${run.runbook.name}, repo ${run.repo}): ${version.plan.title}`,
        // The record keeps when a version was submitted, not when it was decided.
        `- Submitted: ${utcMinute(version.createdAt)} by ${version.author}`,
      ];
      if (version.feedback) lines.push('', quote(version.feedback));
      // The time of a version is fixed once it exists, so the entry never moves in the file.
      return { id: `${run.id}/plan-v${version.version}`, time: version.createdAt, body: lines.join('\n') };
    });
}

function itemEntry(record: RunRecord, item: RunRecordItem): ContextEntry {
  const time = item.decidedAt ?? item.createdAt;
  const lines = [
    `### ${record.run.id}${item.step ? ` · step ${item.step}` : ''} · ${item.kind} ${item.status}${item.decidedBy ? ` by ${item.decidedBy}` : ''}`,
    '',
    `- Run: ${record.run.id}${item.step ? `, step ${item.step}` : ''} (${item.id}, ${item.origin})`,
    `- Decided: ${utcMinute(time)}`,
    `- Summary: ${item.summary.split('\n')[0]}`,
  ];
  if (item.approvals.length > 0) lines.push(`- Approvals: ${item.approvals.join(', ')}`);
  if (item.decision) lines.push('', quote(item.decision));
  return { id: `${record.run.id}/${item.id}`, time, body: lines.join('\n') };
}

/**
 * decisions.md's entries from runs: only what is decided, since an entry's body is written once and then belongs to
 * the branch (a later sync keeps the existing body).
 */
export function decisionEntries(records: readonly RunRecord[]): ContextEntry[] {
  return records.flatMap((record) => [...planEntries(record), ...record.items.filter((item) => item.status !== 'open').map((item) => itemEntry(record, item))]);
}
