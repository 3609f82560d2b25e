export interface OutputBatcherOptions {
  /** Flush once this many bytes are pending. */
  maxBytes?: number;
  /** Otherwise flush this long after the first pending byte. */
  delayMs?: number;
}

/**
 * Coalesces the PTY's many small reads into journal-sized batches: one SQLite row and one commit per
 * batch instead of per read, which is what makes high-throughput output cheap to journal.
 */
export class OutputBatcher {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly maxBytes: number;
  private readonly delayMs: number;

  constructor(
    private readonly onBatch: (data: Uint8Array) => void,
    options: OutputBatcherOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 64 * 1024;
    this.delayMs = options.delayMs ?? 4;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.size += data.length;
    if (this.size >= this.maxBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.size === 0) return;
    const batch = this.chunks.length === 1 ? this.chunks[0]! : concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    this.onBatch(batch);
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
