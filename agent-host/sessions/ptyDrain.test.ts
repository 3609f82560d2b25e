import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { describe, expect, it } from 'vitest';
import { drainBeforeExit } from './ptyDrain';

function bytesReadUntilExit(command: string, args: string[], options: { pauseMs?: number } = {}): Promise<number> {
  const terminal = pty.spawn(command, args, { encoding: null });
  drainBeforeExit(terminal);
  let received = 0;
  terminal.onData((data) => (received += data.length));
  if (options.pauseMs) {
    // A busy daemon stops reading for a while: the child exits meanwhile with its output still buffered.
    terminal.pause();
    setTimeout(() => terminal.resume(), options.pauseMs);
  }
  return new Promise((resolve) => terminal.onExit(() => resolve(received)));
}

describe('drainBeforeExit', () => {
  it('keeps output a busy reader has not read yet when the child exits', async () => {
    // Without it node-pty destroys the stream 200 ms after the exit and this reads 0.
    const read = await bytesReadUntilExit('sh', ['-c', 'stty raw -echo; head -c 3000 /dev/zero | tr "\\0" x'], { pauseMs: 700 });
    expect(read).toBe(3000);
  });

  it('reads the whole tail of a large burst from a child that exits right after its last write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-drain-'));
    try {
      const lines = 40_000;
      writeFileSync(join(dir, 'big'), `${'y'.repeat(99)}\n`.repeat(lines));
      // Without it the kernel's EIO on the master loses a few KiB at the end now and then.
      expect(await bytesReadUntilExit('cat', [join(dir, 'big')])).toBe(lines * 101);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
