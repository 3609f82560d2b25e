import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { SCREEN } from './screen';

export interface ThroughputFile {
  path: string;
  /** Bytes in the file. */
  bytes: number;
  /** What a PTY turns it into (ONLCR: every \n becomes \r\n): the bytes every contender must receive. */
  expectedBytes: number;
  expectedSha256: string;
}

const LINE_BYTES = 100;

/** Printable lines of exactly LINE_BYTES bytes, each different, so a gap or a duplicate changes the checksum. */
function line(index: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const shift = index % alphabet.length;
  const body = (alphabet.slice(shift) + alphabet.slice(0, shift)).repeat(2);
  return `${String(index).padStart(10, '0')} ${body}`.slice(0, LINE_BYTES - 1) + '\n';
}

export async function writeThroughputFile(dir: string, approximateBytes: number): Promise<ThroughputFile> {
  const path = join(dir, 'throughput.txt');
  const lines = Math.max(1, Math.round(approximateBytes / LINE_BYTES));
  const out = createWriteStream(path);
  const expected = createHash('sha256');
  const perChunk = 10_000;
  for (let start = 0; start < lines; start += perChunk) {
    let chunk = '';
    for (let index = start; index < Math.min(lines, start + perChunk); index++) chunk += line(index);
    expected.update(chunk.replaceAll('\n', '\r\n'));
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { path, bytes: lines * LINE_BYTES, expectedBytes: lines * (LINE_BYTES + 1), expectedSha256: expected.digest('hex') };
}

/** The PTY-translated bytes of the throughput file from `offset`, `length` of them, regenerated (for diagnostics). */
function expectedSlice(offset: number, length: number): Buffer {
  const translated = LINE_BYTES + 1;
  const first = Math.floor(offset / translated);
  const last = Math.floor((offset + length - 1) / translated);
  let text = '';
  for (let index = first; index <= last; index++) text += line(index).replace('\n', '\r\n');
  const start = offset - first * translated;
  return Buffer.from(text, 'latin1').subarray(start, start + length);
}

/** Counts and hashes what a contender received, and times first byte to last byte. */
export class ReceivedStream {
  private readonly hash = createHash('sha256');
  bytes = 0;
  firstAt: bigint | undefined;
  lastAt: bigint | undefined;
  /** The first byte that differs from the file, with some context (found on the fly, then no more comparing). */
  firstDifference: string | undefined;

  add(chunk: Uint8Array): void {
    const now = process.hrtime.bigint();
    this.firstAt ??= now;
    this.lastAt = now;
    this.hash.update(chunk);
    if (this.firstDifference === undefined) this.compare(chunk);
    this.bytes += chunk.length;
  }

  private compare(chunk: Uint8Array): void {
    const expected = expectedSlice(this.bytes, chunk.length);
    const got = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (expected.equals(got)) return;
    let at = 0;
    while (at < got.length && got[at] === expected[at]) at++;
    const context = (buffer: Buffer) => JSON.stringify(buffer.subarray(Math.max(0, at - 20), at + 60).toString('latin1'));
    this.firstDifference = `first difference at byte ${this.bytes + at}: got ${context(got)}, expected ${context(expected)}`;
  }

  /** MB/s (10^6 bytes) of file content, first byte to last; throws unless the bytes are exactly the expected ones. */
  verify(file: ThroughputFile): number {
    const digest = this.hash.digest('hex');
    if (this.bytes !== file.expectedBytes || digest !== file.expectedSha256) {
      throw new Error(
        `received ${this.bytes} bytes (sha256 ${digest.slice(0, 12)}), expected ${file.expectedBytes} (${file.expectedSha256.slice(0, 12)}); ${this.firstDifference ?? 'no differing byte within the expected length'}`,
      );
    }
    const seconds = Number(this.lastAt! - this.firstAt!) / 1e9;
    return file.bytes / 1e6 / seconds;
  }
}

const HISTORY_FILLER = ' the quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function historyLine(index: number): string {
  return `history ${String(index).padStart(6, '0')}${HISTORY_FILLER}`;
}

/** Bytes a PTY delivers for `lines` history lines (each ends in \r\n). */
export function historyBytes(lines: number): number {
  let bytes = 0;
  for (let index = 1; index <= lines; index++) bytes += historyLine(index).length + 2;
  return bytes;
}

/** A shell command that prints `lines` history lines, then waits (cat) without printing anything else. */
export function historyCommand(lines: number): string {
  return `awk 'BEGIN { for (i = 1; i <= ${lines}; i++) printf "history %06d${HISTORY_FILLER}\\n", i }'; exec cat`;
}

/** The complete first screen after `lines` history lines: the last rows-1 of them, then the empty cursor row. */
export function expectedHistoryScreen(lines: number): string[] {
  const visible = SCREEN.rows - 1;
  const rows: string[] = [];
  for (let index = lines - visible + 1; index <= lines; index++) rows.push(historyLine(index));
  rows.push('');
  return rows;
}
