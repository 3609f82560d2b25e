import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { cpuSecondsOf, machineCpuSeconds } from './proc';
import { SCREEN } from './screen';

export interface ThroughputFile {
  path: string;
  /** Bytes in the file. */
  bytes: number;
  /** What a PTY turns it into (ONLCR: every \n becomes \r\n): the bytes every contender must receive. */
  expectedBytes: number;
  expectedSha256: string;
  /** Those bytes, so a receiver compares each chunk with one memcmp: the check must not cost the contenders CPU. */
  expected: Buffer;
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
  const expected = Buffer.allocUnsafe(lines * (LINE_BYTES + 1));
  let filled = 0;
  const perChunk = 10_000;
  for (let start = 0; start < lines; start += perChunk) {
    let chunk = '';
    for (let index = start; index < Math.min(lines, start + perChunk); index++) chunk += line(index);
    filled += expected.write(chunk.replaceAll('\n', '\r\n'), filled, 'latin1');
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const expectedSha256 = createHash('sha256').update(expected).digest('hex');
  return { path, bytes: lines * LINE_BYTES, expectedBytes: expected.length, expectedSha256, expected };
}

export interface ThroughputResult {
  /** MB/s (10^6 bytes) of file content, first byte to last. */
  mbps: number;
  /** CPU of every process on the machine over the same window, per MB of file content. */
  cpuMsPerMb: number;
  /** The same for this process: the receiver, and the SSH client where it runs in Node (ssh2, the client core). */
  ownCpuMsPerMb: number;
  /** The same for one more process (the agent-host daemon), when one was named. */
  processCpuMsPerMb?: number;
}

/**
 * Counts what a contender received, compares it with the expected stream as it comes, and times first byte to last;
 * CPU is read at those two moments too, so setup and teardown (a journal's removal, say) are not counted.
 */
export class ReceivedStream {
  bytes = 0;
  private firstAt: bigint | undefined;
  private lastAt: bigint | undefined;
  private cpuAt: Record<'machine' | 'own' | 'process', { first: number; last: number }> | undefined;
  /** The first byte that differs from the file, with some context (found on the fly, then no more comparing). */
  private firstDifference: string | undefined;

  /** `pid`: a process whose own CPU is reported as well. */
  constructor(
    private readonly file: ThroughputFile,
    private readonly pid?: number,
  ) {}

  add(chunk: Uint8Array): void {
    const now = process.hrtime.bigint();
    if (this.firstAt === undefined) {
      this.firstAt = now;
      const cpu = this.cpuNow();
      this.cpuAt = {
        machine: { first: cpu.machine, last: cpu.machine },
        own: { first: cpu.own, last: cpu.own },
        process: { first: cpu.process, last: cpu.process },
      };
    }
    this.lastAt = now;
    if (this.firstDifference === undefined) this.compare(chunk);
    this.bytes += chunk.length;
    if (this.bytes === this.file.expectedBytes && this.cpuAt) {
      const cpu = this.cpuNow();
      for (const key of ['machine', 'own', 'process'] as const) this.cpuAt[key].last = cpu[key];
    }
  }

  private cpuNow(): Record<'machine' | 'own' | 'process', number> {
    return { machine: machineCpuSeconds(), own: cpuSecondsOf(process.pid), process: this.pid === undefined ? 0 : cpuSecondsOf(this.pid) };
  }

  private compare(chunk: Uint8Array): void {
    const expected = this.file.expected.subarray(this.bytes, this.bytes + chunk.length);
    const got = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (expected.equals(got)) return;
    let at = 0;
    while (at < got.length && got[at] === expected[at]) at++;
    const context = (buffer: Buffer) => JSON.stringify(buffer.subarray(Math.max(0, at - 20), at + 60).toString('latin1'));
    this.firstDifference = `first difference at byte ${this.bytes + at}: got ${context(got)}, expected ${context(expected)}`;
  }

  /** Throws unless the bytes are exactly the expected ones. */
  verify(): ThroughputResult {
    if (this.bytes !== this.file.expectedBytes || this.firstDifference !== undefined) {
      throw new Error(
        `received ${this.bytes} bytes, expected ${this.file.expectedBytes}; ${this.firstDifference ?? 'no differing byte within the expected length'}`,
      );
    }
    const megabytes = this.file.bytes / 1e6;
    const seconds = Number(this.lastAt! - this.firstAt!) / 1e9;
    const perMb = ({ first, last }: { first: number; last: number }) => ((last - first) * 1000) / megabytes;
    const cpu = this.cpuAt!;
    return {
      mbps: megabytes / seconds,
      cpuMsPerMb: perMb(cpu.machine),
      ownCpuMsPerMb: perMb(cpu.own),
      ...(this.pid === undefined ? {} : { processCpuMsPerMb: perMb(cpu.process) }),
    };
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
