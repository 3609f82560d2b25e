import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CHILD = join(import.meta.dirname, 'testing', 'fragmentedHeap.ts');
const IDLE_CHILD = join(import.meta.dirname, 'testing', 'idleGarbage.ts');

describe('startHeapTrimmer', () => {
  it('returns to the system what glibc kept after a major GC freed buffers between live ones', () => {
    const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD], { encoding: 'utf8' });
    const { base, filled, collected, trimmed } = JSON.parse(output) as Record<'base' | 'filled' | 'collected' | 'trimmed', number>;
    console.log(`[measure] RSS MiB: base ${base}, filled ${filled}, after GC ${collected}, after trim ${trimmed}`);
    // 100,000 dead 1,400-byte buffers (~134 MiB) in 100 runs: the GC frees them, glibc keeps them, the trim does not.
    expect(filled - base).toBeGreaterThan(130);
    expect(filled - collected).toBeLessThan(20);
    expect(collected - trimmed).toBeGreaterThan(120);
  });

  it('asks for the major GC itself when garbage waits in an idle process, then trims', () => {
    const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', IDLE_CHILD], { encoding: 'utf8', timeout: 30_000 });
    const { filled, trimmed } = JSON.parse(output) as Record<'filled' | 'trimmed', number>;
    console.log(`[measure] RSS MiB: filled ${filled}, after the trimmer's own GC and trim ${trimmed}`);
    // ~134 MiB of dead buffers; a minor GC could take some, only a major GC and the trim give back most of it.
    expect(filled - trimmed).toBeGreaterThan(120);
  });
});
