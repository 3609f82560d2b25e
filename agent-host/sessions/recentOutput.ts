import type { OutputChunk } from '../journal/journal';

/**
 * The last few batches of a session, already committed to the journal, kept in memory so live viewers
 * read them without a round trip to SQLite. Bounded and shared by all viewers; older reads go to the journal.
 */
export class RecentOutput {
  private chunks: OutputChunk[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: OutputChunk): void {
    this.chunks.push(chunk);
    this.size += chunk.data.length;
    while (this.size > this.maxBytes && this.chunks.length > 1) this.size -= this.chunks.shift()!.data.length;
  }

  /** Lets go of the held batches (a quiet session need not keep its last megabyte in memory). */
  clear(): void {
    this.chunks = [];
    this.size = 0;
  }

  /** Chunks from `from` on, or null when `from` is older than what is held here. */
  read(from: number, limit: number): OutputChunk[] | null {
    const first = this.chunks[0];
    if (!first || from < first.offset) return null;
    const out: OutputChunk[] = [];
    for (const chunk of this.chunks) {
      const end = chunk.offset + chunk.data.length;
      if (end <= from) continue;
      out.push(chunk.offset < from ? { offset: from, data: chunk.data.subarray(from - chunk.offset) } : chunk);
      if (out.length === limit) break;
    }
    return out;
  }
}
