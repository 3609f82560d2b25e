import type { ScreenSnapshot } from '../../common/protocol/session';
import type { Session } from '../sessions/session';

export interface ViewStart {
  /** The screen the client draws before the stream; null when the stream alone brings it up to date. */
  snapshot: ScreenSnapshot | null;
  /** The first byte the view sends. */
  streamFrom: number;
  /** The snapshot is the visible rows only; the whole screen follows before the first byte of the stream. */
  scrollbackFollows: boolean;
}

/**
 * Where a new view of `session` begins. From the current screen (fromOffset null), or from the retention cut's screen
 * when the client asks for bytes the journal no longer holds, else from the byte asked for. screenFirst answers with
 * the visible rows when they come cheap: serializing and drawing 1,000 lines of history is most of an attach.
 */
export async function viewStart(session: Session, fromOffset: number | null, screenFirst: boolean): Promise<ViewStart> {
  if (fromOffset === null) {
    const visible = screenFirst ? await session.visibleScreenSnapshot() : null;
    const snapshot = visible ?? (await session.screenSnapshot());
    return { snapshot, streamFrom: snapshot.offset, scrollbackFollows: visible !== null };
  }
  if (fromOffset < session.retainedFrom) return { snapshot: session.cutSnapshot(), streamFrom: session.retainedFrom, scrollbackFollows: false };
  return { snapshot: null, streamFrom: fromOffset, scrollbackFollows: false };
}
