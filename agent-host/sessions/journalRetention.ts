import type { SessionInfo } from '../../common/protocol/session';
import type { Journal } from '../journal/journal';
import type { Viewer } from '../viewers/viewer';

/**
 * Keeps a running session's journal near `retentionBytes`: once over, output is cut at the first checkpoint
 * that brings it under the cap, and that checkpoint stands for everything before. A viewer still reading
 * below the cut holds it off until the journal reaches twice the cap; then `lagging` is told about it (its
 * owner detaches it) and the cut happens. Returns the new retainedFrom, or null when nothing was cut.
 */
export function enforceJournalRetention(
  journal: Journal,
  info: SessionInfo,
  retentionBytes: number,
  viewers: Iterable<Viewer>,
  lagging: (viewer: Viewer) => void,
): number | null {
  const { endOffset, retainedFrom } = info;
  if (endOffset - retainedFrom <= retentionBytes) return null;
  const cut = journal.checkpointFrom(info.id, endOffset - retentionBytes);
  if (cut === null || cut <= retainedFrom) return null;
  const readers = [...viewers];
  const slowest = Math.min(...readers.map((viewer) => viewer.sentOffset), cut);
  if (slowest < cut && endOffset - slowest <= 2 * retentionBytes) return null;
  for (const viewer of readers) {
    if (viewer.sentOffset < cut) lagging(viewer);
  }
  journal.trim(info.id, cut);
  return cut;
}
