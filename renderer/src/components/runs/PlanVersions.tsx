import '../../planEdit.css';
import { useMemo, useState } from 'react';
import { planLines } from '../../../../common/plan/planLines';
import type { PlanVersionInfo } from '../../../../common/protocol/runs';
import { formatAgo, useNow } from '../../lib/age';
import { foldUnchanged, sideBySide, type DiffRow, type Segment, type SideLine } from '../../lib/planEdit';

/** Unchanged lines kept around each change; longer unchanged runs fold away behind a button. */
const CONTEXT = 3;

const STATUS: Record<PlanVersionInfo['status'], string> = {
  pending: 'awaiting approval',
  approved: 'approved',
  superseded: 'superseded',
  'changes-requested': 'changes requested',
};

function VersionHead({ version, side }: { version: PlanVersionInfo; side: 'before' | 'after' }) {
  const now = useNow();
  return (
    <div className={`version-head version-${side}`} data-version={version.version}>
      <p className="version-title">
        <strong>v{version.version}</strong> <span className={`version-status version-status-${version.status}`}>{STATUS[version.status]}</span>
      </p>
      <p className="muted">
        by {version.author} · {formatAgo(now - version.createdAt)}
        {version.decidedBy && ` · decided by ${version.decidedBy}`}
      </p>
      {version.note && <p className="version-note">Note: {version.note}</p>}
      {version.feedback && <blockquote className="feedback-quote">{version.feedback}</blockquote>}
    </div>
  );
}

function Words({ segments, Mark }: { segments: Segment[]; Mark: 'del' | 'ins' }) {
  return segments.map((segment, index) => (segment.changed ? <Mark key={index}>{segment.text}</Mark> : <span key={index}>{segment.text}</span>));
}

function Side({ line, Mark }: { line: SideLine | null; Mark: 'del' | 'ins' }) {
  if (!line) return <td className="versions-gap" colSpan={2} />;
  return (
    <>
      <td className="versions-number">{line.number}</td>
      <td className="versions-text">
        <Words segments={line.segments} Mark={Mark} />
      </td>
    </>
  );
}

function Row({ row }: { row: DiffRow }) {
  return (
    <tr className={`versions-row versions-${row.kind}`} data-kind={row.kind}>
      <Side line={row.before} Mark="del" />
      <Side line={row.after} Mark="ins" />
    </tr>
  );
}

function SideBySide({ before, after }: { before: PlanVersionInfo; after: PlanVersionInfo }) {
  const rows = useMemo(() => sideBySide(planLines(before.plan), planLines(after.plan)), [before.plan, after.plan]);
  const shown = useMemo(() => foldUnchanged(rows, CONTEXT), [rows]);
  const [opened, setOpened] = useState<ReadonlySet<number>>(new Set());
  const changes = rows.filter((row) => row.kind !== 'same').length;
  return (
    <>
      <p className="muted" role="status">
        {changes === 0 ? `v${before.version} and v${after.version} say the same.` : `${changes} line${changes === 1 ? '' : 's'} differ.`}
      </p>
      <table className="versions-diff">
        <caption className="versions-caption">
          v{before.version} (left) and v{after.version} (right), one line per field; changed words are marked
        </caption>
        <colgroup>
          <col className="versions-number-col" />
          <col />
          <col className="versions-number-col" />
          <col />
        </colgroup>
        <thead>
          <tr>
            <th scope="col" colSpan={2}>
              v{before.version}
            </th>
            <th scope="col" colSpan={2}>
              v{after.version}
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((item, index) =>
            item.kind !== 'fold' ? (
              <Row key={index} row={item} />
            ) : opened.has(index) ? (
              item.rows.map((row, at) => <Row key={`${index}.${at}`} row={row} />)
            ) : (
              <tr key={index} className="versions-fold">
                <td colSpan={4}>
                  <button type="button" className="ghost-button" onClick={() => setOpened(new Set([...opened, index]))}>
                    ⋯ {item.rows.length} unchanged lines
                  </button>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </>
  );
}

/**
 * A run's plan versions, two side by side (the one before the newest and the newest, unless picked otherwise), each
 * with who wrote it, where it stands and the feedback it got, the differences marked word by word.
 */
export function PlanVersions({ versions }: { versions: readonly PlanVersionInfo[] }) {
  const numbers = versions.map((version) => version.version);
  const [left, setLeft] = useState(numbers.at(-2) ?? numbers[0]);
  const [right, setRight] = useState(numbers.at(-1));
  const before = versions.find((version) => version.version === left);
  const after = versions.find((version) => version.version === right);
  const pick = (label: string, value: number | undefined, set: (version: number) => void) => (
    <label className="versions-pick-one">
      <span>{label}</span>
      <select value={value} onChange={(event) => set(Number(event.target.value))}>
        {versions.map((version) => (
          <option key={version.version} value={version.version}>
            v{version.version} · {STATUS[version.status]} · {version.author}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section className="plan-versions" aria-labelledby="plan-versions-title" data-before={left} data-after={right}>
      <h2 id="plan-versions-title" className="versions-heading">
        Plan versions
      </h2>
      <div className="versions-pick">
        {pick('Compare', left, setLeft)}
        {pick('with', right, setRight)}
      </div>
      {before && after && (
        <>
          <div className="versions-heads">
            <VersionHead version={before} side="before" />
            <VersionHead version={after} side="after" />
          </div>
          <SideBySide key={`${before.version}>${after.version}`} before={before} after={after} />
        </>
      )}
    </section>
  );
}
