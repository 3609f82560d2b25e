import { useEffect, useState } from 'react';
import type { HunkData, HunkTokens } from 'react-diff-view';
import HighlightWorker from './highlight.worker.ts?worker';
import type { HighlightLanguage } from './highlightLanguage';
import { diffTokens, type FileRuns } from './highlightLines';

export interface HighlightJob {
  type: 'tokenize';
  id: number;
  hunks: HunkData[];
  language: HighlightLanguage;
}
export type HighlightMessage = HighlightJob | { type: 'cancel'; id: number };
export type HighlightReply = { id: number; runs: FileRuns } | { id: number; error: string };

/** Past this many changed lines in one file, colour is not worth the worker's time: the file stays plain. */
const MAX_HIGHLIGHT_LINES = 20_000;

let worker: Worker | null | undefined;
let nextId = 1;
const waiting = new Map<number, (reply: HighlightReply) => void>();

/** The one highlighter worker of the page, started on first use; null where no Worker can start. */
function highlightWorker(): Worker | null {
  if (worker === undefined) {
    try {
      worker = new HighlightWorker();
      worker.addEventListener('message', (event: MessageEvent<HighlightReply>) => {
        const settle = waiting.get(event.data.id);
        waiting.delete(event.data.id);
        settle?.(event.data);
      });
    } catch {
      worker = null;
    }
  }
  return worker;
}

/** A file's hunks highlighted in the worker; an aborted request leaves the worker's queue. */
function highlightHunks(hunks: HunkData[], language: HighlightLanguage, signal: AbortSignal): Promise<FileRuns> {
  const target = highlightWorker();
  if (!target) return Promise.reject(new Error('no Web Worker could start'));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, (reply) => ('runs' in reply ? resolve(reply.runs) : reject(new Error(reply.error))));
    signal.addEventListener('abort', () => {
      waiting.delete(id);
      target.postMessage({ type: 'cancel', id } satisfies HighlightMessage);
    });
    target.postMessage({ type: 'tokenize', id, hunks, language } satisfies HighlightMessage);
  });
}

export type Highlight =
  | { state: 'plain'; why: string }
  | { state: 'pending' }
  | { state: 'done'; tokens: HunkTokens }
  | { state: 'failed'; why: string };

/** A shown file's syntax tokens: plain at first, coloured once the worker answers (a hidden file asks nothing). */
export function useDiffTokens(hunks: HunkData[], language: HighlightLanguage | null, shown: boolean, lines: number): Highlight {
  const [highlight, setHighlight] = useState<Highlight>({ state: 'pending' });
  const plainWhy = !language ? 'no grammar for this file type' : lines > MAX_HIGHLIGHT_LINES ? `over ${MAX_HIGHLIGHT_LINES.toLocaleString('en-US')} lines` : null;
  useEffect(() => {
    if (!shown || !language || plainWhy || hunks.length === 0) return;
    const abort = new AbortController();
    setHighlight({ state: 'pending' });
    highlightHunks(hunks, language, abort.signal).then(
      (runs) => abort.signal.aborted || setHighlight({ state: 'done', tokens: diffTokens(runs) }),
      (error: unknown) => abort.signal.aborted || setHighlight({ state: 'failed', why: error instanceof Error ? error.message : String(error) }),
    );
    return () => abort.abort();
  }, [hunks, language, shown, plainWhy]);
  return plainWhy ? { state: 'plain', why: plainWhy } : highlight;
}
