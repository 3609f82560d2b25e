import { describe, expect, it } from 'vitest';
import type { ViewerEvent } from '../../common/protocol/methods';
import type { OutputChunk } from '../journal/journal';
import { Viewer, type ViewerSink, type ViewerSource } from './viewer';

/** A journal-shaped source over an in-memory list of rows. */
class Rows implements ViewerSource {
  readonly id = 's-1';
  ended = false;
  retainedFrom = 0;
  private rows: OutputChunk[] = [];
  endOffset = 0;

  add(size: number): void {
    const data = new Uint8Array(size).map((_, i) => (this.endOffset + i) % 251);
    this.rows.push({ offset: this.endOffset, data });
    this.endOffset += size;
  }

  read(from: number): OutputChunk[] {
    return this.rows
      .filter((row) => row.offset + row.data.length > from)
      .slice(0, 16)
      .map((row) => (row.offset < from ? { offset: from, data: row.data.subarray(from - row.offset) } : row));
  }
}

/** Records frames; `accept` says how many more writes the "stream" takes before it is full. */
class Recorder implements ViewerSink {
  readonly clientId = 'c1';
  frames: { offset: number; length: number }[] = [];
  events: ViewerEvent['state'][] = [];
  accept = Infinity;
  private drained: (() => void)[] = [];

  sendOutput(_sessionId: string, offset: number, data: Uint8Array): boolean {
    this.frames.push({ offset, length: data.length });
    this.accept--;
    return this.accept > 0;
  }
  onceDrained(callback: () => void): void {
    this.drained.push(callback);
  }
  drain(): void {
    this.accept = Infinity;
    for (const callback of this.drained.splice(0)) callback();
  }
  notify(event: ViewerEvent): void {
    this.events.push(event.state);
  }
  bufferedBytes(): number {
    return 0;
  }
  fellBehind(): void {
    this.events.push('fell-behind' as ViewerEvent['state']);
  }
  get sent(): number {
    return this.frames.reduce((sum, frame) => sum + frame.length, 0);
  }
}

function contiguous(frames: { offset: number; length: number }[], from: number): boolean {
  let next = from;
  for (const frame of frames) {
    if (frame.offset !== next) return false;
    next += frame.length;
  }
  return true;
}

describe('Viewer flow control', () => {
  it('sends until the high watermark, pauses, and resumes on acks with contiguous offsets', () => {
    const rows = new Rows();
    const sink = new Recorder();
    const viewer = new Viewer(rows, sink, { highWatermark: 1000, stallTimeoutMs: 60_000 }, 0);
    for (let i = 0; i < 10; i++) rows.add(300);
    viewer.pump();
    expect(sink.sent).toBe(1000);
    expect(viewer.stats()).toMatchObject({ sentOffset: 1000, ackedOffset: 0, paused: true });
    expect(sink.events).toEqual(['paused']);
    viewer.ack(600);
    expect(sink.sent).toBe(1600);
    expect(sink.events).toEqual(['paused', 'resumed', 'paused']);
    viewer.ack(1600);
    viewer.ack(2600);
    expect(sink.sent).toBe(3000);
    expect(contiguous(sink.frames, 0)).toBe(true);
    viewer.close();
  });

  it('ignores acks outside what was sent', () => {
    const rows = new Rows();
    const sink = new Recorder();
    const viewer = new Viewer(rows, sink, { highWatermark: 100, stallTimeoutMs: 60_000 }, 0);
    rows.add(500);
    viewer.pump();
    expect(viewer.ack(5000)).toBe(false);
    expect(viewer.ack(50)).toBe(true);
    expect(viewer.ack(10)).toBe(false);
    expect(viewer.stats().ackedOffset).toBe(50);
    viewer.close();
  });

  it('waits for the stream to drain instead of queueing more frames', () => {
    const rows = new Rows();
    const sink = new Recorder();
    sink.accept = 2;
    const viewer = new Viewer(rows, sink, { highWatermark: 1_000_000, stallTimeoutMs: 60_000 }, 0);
    for (let i = 0; i < 5; i++) rows.add(100);
    viewer.pump();
    expect(sink.frames).toHaveLength(2);
    rows.add(100);
    viewer.pump();
    expect(sink.frames).toHaveLength(2);
    sink.drain();
    expect(sink.sent).toBe(600);
    expect(contiguous(sink.frames, 0)).toBe(true);
    viewer.close();
  });

  it('tells a viewer that stops acking that it is stalled, and that it resumed', async () => {
    const rows = new Rows();
    const sink = new Recorder();
    const viewer = new Viewer(rows, sink, { highWatermark: 1000, stallTimeoutMs: 30 }, 0);
    rows.add(200);
    viewer.pump();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sink.events).toEqual(['stalled']);
    expect(viewer.stats().stalled).toBe(true);
    viewer.ack(200);
    expect(sink.events).toEqual(['stalled', 'resumed']);
    expect(viewer.stats().stalled).toBe(false);
    viewer.close();
  });

  it('never sends later bytes in place of bytes the journal no longer has', () => {
    const rows = new Rows();
    const sink = new Recorder();
    rows.add(100);
    rows.add(100);
    const trimmed: ViewerSource = { ...rows, id: rows.id, endOffset: 200, retainedFrom: 100, ended: false, read: () => rows.read(100) };
    const viewer = new Viewer(trimmed, sink, { highWatermark: 1000, stallTimeoutMs: 60_000 }, 50);
    viewer.pump();
    expect(sink.frames).toEqual([]);
    expect(sink.events).toEqual(['fell-behind']);
  });

  it('starts at its offset and reports the end once an ended session is fully sent', () => {
    const rows = new Rows();
    const sink = new Recorder();
    rows.add(100);
    rows.ended = true;
    const viewer = new Viewer(rows, sink, { highWatermark: 1000, stallTimeoutMs: 60_000 }, 40);
    viewer.pump();
    expect(sink.frames).toEqual([{ offset: 40, length: 60 }]);
    expect(sink.events).toEqual(['ended']);
    viewer.close();
  });
});
