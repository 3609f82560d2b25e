import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/auditLog';
import { openDatabase, type Db } from '../journal/database';
import { Journal } from '../journal/journal';
import { ActivityDetector, registerDetector, type StatusContext } from '../status/detector';
import { SessionManager } from './sessionManager';

let dir: string;
let db: Db;
let manager: SessionManager;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-ticks-'));
  db = openDatabase(join(dir, 'host.db'));
  manager = new SessionManager(new Journal(db), new AuditLog(db), {
    limits: { retentionBytes: 1024 * 1024 },
    exitedRetention: { maxAgeMs: 0, maxTotalBytes: 0 },
  });
});

afterEach(() => {
  manager.shutdown();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The default detector, recording when it was asked and what it answered. */
class RecordingDetector extends ActivityDetector {
  readonly looks: { lastOutputAt: number | null; now: number; status: string }[] = [];

  override detect(context: StatusContext): ReturnType<ActivityDetector['detect']> {
    const status = super.detect(context);
    this.looks.push({ lastOutputAt: context.lastOutputAt, now: context.now, status });
    return status;
  }
}

describe('Session status looks', () => {
  it('looks at a steady printer once per line while it works, and still sees its prompt after the quiet threshold', async () => {
    const detector = new RecordingDetector();
    registerDetector('recording', () => detector);
    // Eight lines 0.5 s apart, a prompt 0.2 s after the last, then a read from the terminal.
    const script = 'for i in 1 2 3 4 5 6 7; do echo line $i; sleep 0.5; done; echo line 8; sleep 0.2; printf "done? "; read answer';
    const session = manager.start(
      { command: 'sh', args: ['-c', script], cols: 80, rows: 24, inputAllowed: true, labels: { agentKind: 'recording' } },
      { actor: 'user:test', data: {} },
    );
    await new Promise<void>((resolve) =>
      session.events.on((event) => event === 'status' && session.snapshotInfo().status === 'waiting-for-input' && resolve()),
    );
    // A look that neither follows new output nor answers differently from the look before it learned nothing.
    // Polling every 200 ms made about a dozen here (1-2 per line); looking at the quiet thresholds makes none, or
    // one per gap a starved machine stretches past 2 s.
    const { looks } = detector;
    const redundant = looks.filter((look, i) => i > 0 && look.lastOutputAt === looks[i - 1]!.lastOutputAt && look.status === looks[i - 1]!.status);
    expect(new Set(looks.map((look) => look.lastOutputAt)).size).toBeGreaterThanOrEqual(6);
    expect(redundant.length).toBeLessThanOrEqual(2);
    // The prompt was seen once the detector's quiet threshold (300 ms) had passed, not at the end of the last line's
    // working window (1.3 s after the prompt).
    const seen = detector.looks.find((look) => look.status === 'waiting-for-input')!;
    expect(seen.now - seen.lastOutputAt!).toBeLessThan(1_000);
    session.write('\r');
  });
});
