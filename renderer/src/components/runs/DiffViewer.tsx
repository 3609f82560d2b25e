import 'react-diff-view/style/index.css';
import './diffTokens.css';
import { useMemo, useState } from 'react';
import { Diff, Hunk, parseDiff, type FileData } from 'react-diff-view';
import { useDiffTokens } from '../../lib/highlightClient';
import { languageOf } from '../../lib/highlightLanguage';
import { useViewKeys } from '../../lib/viewKeys';
import { diffFileAnchor } from './diffAnchor';

/**
 * Changed lines rendered at once; the files after that wait, collapsed, for a click. A 5,000-line diff then paints in
 * well under a second, and the reader still sees every file and its size.
 */
const EAGER_LINES = 1500;

type ViewType = 'split' | 'unified';

/** The layout a person last chose is the one the next diff opens in. */
const VIEW_KEY = 'flightdeck.diff-view';
function savedView(): ViewType {
  try {
    return localStorage.getItem(VIEW_KEY) === 'unified' ? 'unified' : 'split';
  } catch {
    return 'split';
  }
}
function saveView(view: ViewType): void {
  try {
    localStorage.setItem(VIEW_KEY, view);
  } catch {
    // Storage refused (private mode, quota): the choice holds for this diff only.
  }
}

const lineCount = (file: FileData) => file.hunks.reduce((sum, hunk) => sum + hunk.changes.length, 0);

function fileName(file: FileData): string {
  if (file.type === 'delete') return file.oldPath;
  if (file.type === 'rename' && file.oldPath !== file.newPath) return `${file.oldPath} → ${file.newPath}`;
  return file.newPath;
}

function counts(file: FileData): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const hunk of file.hunks) {
    for (const change of hunk.changes) {
      if (change.type === 'insert') added += 1;
      else if (change.type === 'delete') removed += 1;
    }
  }
  return { added, removed };
}

function DiffFileSection({ file, index, view, eager }: { file: FileData; index: number; view: ViewType; eager: boolean }) {
  const [open, setOpen] = useState(eager);
  const { added, removed } = counts(file);
  const lines = lineCount(file);
  const language = languageOf(file.type === 'delete' ? file.oldPath : file.newPath);
  const highlight = useDiffTokens(file.hunks, language, open, lines);
  return (
    <section className="diff-file" id={diffFileAnchor(index)} aria-label={fileName(file)} data-highlight={open ? highlight.state : 'hidden'}>
      <header className="diff-file-header">
        <button type="button" className="diff-file-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> <code>{fileName(file)}</code>
        </button>
        {highlight.state === 'failed' && (
          <span className="diff-file-type" title={`Not highlighted: ${highlight.why}`}>
            plain text
          </span>
        )}
        <span className="diff-counts">
          <span className="diff-added">+{added}</span> <span className="diff-removed">−{removed}</span>
        </span>
        {file.type !== 'modify' && <span className="diff-file-type">{file.type}</span>}
      </header>
      {open ? (
        file.hunks.length > 0 ? (
          <Diff
            viewType={view}
            diffType={file.type}
            hunks={file.hunks}
            tokens={highlight.state === 'done' ? highlight.tokens : null}
            className="diff-table"
          >
            {(hunks) => hunks.map((hunk) => <Hunk key={hunk.content} hunk={hunk} />)}
          </Diff>
        ) : (
          <p className="muted diff-empty">No text changes (binary, or a mode change).</p>
        )
      ) : (
        <button type="button" className="diff-show" onClick={() => setOpen(true)}>
          Show {lines} lines
        </button>
      )}
    </section>
  );
}

/**
 * A unified diff in a real diff view: per file, split or unified (v toggles, and is remembered), large diffs shown file
 * by file, each file's code highlighted by its type once the highlighter's worker has tokenized it.
 */
export default function DiffViewer({ diff, truncated }: { diff: string; truncated: boolean }) {
  const [view, setViewState] = useState<ViewType>(savedView);
  const setView = (next: ViewType) => {
    setViewState(next);
    saveView(next);
  };
  const files = useMemo(() => {
    try {
      return parseDiff(diff, { nearbySequences: 'zip' });
    } catch {
      return null;
    }
  }, [diff]);
  useViewKeys((event) => {
    if (event.key !== 'v') return false;
    setView(view === 'split' ? 'unified' : 'split');
    return true;
  });
  const eager = useMemo(() => {
    let budget = EAGER_LINES;
    return (files ?? []).map((file, index) => {
      const lines = lineCount(file);
      const shown = index === 0 || lines <= budget;
      if (shown) budget -= lines;
      return shown;
    });
  }, [files]);
  if (!diff.trim()) return <p className="muted">No changes.</p>;
  if (!files) return <pre className="diff-raw">{diff}</pre>;
  return (
    <div className="diff-viewer" data-view={view}>
      <div className="diff-toolbar" role="group" aria-label="Diff layout">
        <button type="button" aria-pressed={view === 'split'} onClick={() => setView('split')}>
          Split
        </button>
        <button type="button" aria-pressed={view === 'unified'} onClick={() => setView('unified')}>
          Unified
        </button>
        <span className="muted">
          <kbd>v</kbd> toggles
        </span>
      </div>
      {truncated && <p className="notice warn">The host cut this diff at 2 MiB: the rest is on the step&apos;s branch.</p>}
      {files.map((file, index) => (
        <DiffFileSection key={`${file.oldPath}>${file.newPath}`} file={file} index={index} view={view} eager={eager[index] ?? false} />
      ))}
    </div>
  );
}
