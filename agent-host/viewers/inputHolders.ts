import type { Viewer } from './viewer';

/**
 * Per session, the one viewer whose terminal may answer queries (device attributes, cursor position): the viewer
 * that typed last, else the earliest still attached. Every attached terminal sees each query; without this,
 * N viewers would answer it N times and the program would read N answers.
 */
export class InputHolders {
  /** Viewers of each session in attach order. */
  private readonly viewers = new Map<string, Viewer[]>();
  private readonly typist = new Map<string, Viewer>();

  attached(viewer: Viewer): void {
    const list = this.viewers.get(viewer.sessionId) ?? [];
    this.viewers.set(viewer.sessionId, [...list.filter((other) => other !== viewer), viewer]);
  }

  detached(viewer: Viewer): void {
    const list = (this.viewers.get(viewer.sessionId) ?? []).filter((other) => other !== viewer);
    if (list.length > 0) this.viewers.set(viewer.sessionId, list);
    else this.viewers.delete(viewer.sessionId);
    if (this.typist.get(viewer.sessionId) === viewer) this.typist.delete(viewer.sessionId);
  }

  typed(viewer: Viewer): void {
    this.typist.set(viewer.sessionId, viewer);
  }

  holder(sessionId: string): Viewer | undefined {
    return this.typist.get(sessionId) ?? this.viewers.get(sessionId)?.[0];
  }
}
