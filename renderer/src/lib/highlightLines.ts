import type { HunkData, HunkTokens, TokenNode } from 'react-diff-view';
import { refractor } from './highlightGrammars';
import type { HighlightLanguage } from './highlightLanguage';

/** A stretch of one line in one style: Prism's classes ('' for plain text), and the text. */
export type Run = [className: string, text: string];

/** One side of a file's diff, highlighted: each shown line's number and its runs. Compact, so it crosses from the worker cheaply. */
export type SideRuns = [lineNumber: number, runs: Run[]][];
export interface FileRuns {
  old: SideRuns;
  new: SideRuns;
}

interface HastNode {
  type: string;
  value?: string;
  properties?: { className?: unknown };
  children?: HastNode[];
}

function appendRun(line: Run[], className: string, text: string): void {
  const last = line.at(-1);
  if (last && last[0] === className) last[1] += text;
  else line.push([className, text]);
}

/** refractor's tree split into lines in one pass, each text carrying the classes of every element around it. */
function splitLines(nodes: readonly HastNode[], lines: Run[][], classes: string): void {
  for (const node of nodes) {
    if (node.type === 'text') {
      node.value!.split('\n').forEach((part, index) => {
        if (index > 0) lines.push([]);
        if (part) appendRun(lines.at(-1)!, classes, part);
      });
    } else if (node.children) {
      const own = Array.isArray(node.properties?.className) ? node.properties.className.join(' ') : '';
      splitLines(node.children, lines, own ? (classes ? `${classes} ${own}` : own) : classes);
    }
  }
}

function highlightSide(lines: { number: number; text: string }[], language: HighlightLanguage): SideRuns {
  if (lines.length === 0) return [];
  const split: Run[][] = [[]];
  splitLines(refractor.highlight(lines.map((line) => line.text).join('\n'), language).children as HastNode[], split, '');
  return lines.map((line, index) => [line.number, split[index] ?? []]);
}

/**
 * A file's hunks highlighted side by side: per hunk, the old side (context and removed lines) and the new (context and
 * added), each as one text, so a construct spanning lines (a comment, a template string) colours right within a hunk
 * and never leaks into the next one, which is elsewhere in the file.
 */
export function highlightFile(hunks: readonly HunkData[], language: HighlightLanguage): FileRuns {
  const runs: FileRuns = { old: [], new: [] };
  for (const hunk of hunks) {
    const old: { number: number; text: string }[] = [];
    const next: { number: number; text: string }[] = [];
    for (const change of hunk.changes) {
      if (change.type === 'normal') {
        old.push({ number: change.oldLineNumber, text: change.content });
        next.push({ number: change.newLineNumber, text: change.content });
      } else if (change.type === 'delete') {
        old.push({ number: change.lineNumber, text: change.content });
      } else {
        next.push({ number: change.lineNumber, text: change.content });
      }
    }
    runs.old.push(...highlightSide(old, language));
    runs.new.push(...highlightSide(next, language));
  }
  return runs;
}

function toTokens(side: SideRuns): TokenNode[][] {
  const tokens: TokenNode[][] = [];
  for (const [number, runs] of side) {
    tokens[number - 1] = runs.map(([className, value]): TokenNode => (className ? { type: 'token', className, value } : { type: 'text', value }));
  }
  return tokens;
}

/** The runs as react-diff-view's Diff takes tokens: per side, indexed by line number - 1 (a line left out stays plain). */
export function diffTokens(runs: FileRuns): HunkTokens {
  return { old: toTokens(runs.old), new: toTokens(runs.new) };
}
