import { describe, expect, it } from 'vitest';
import { ActivityDetector, detectorFor, registerDetector, type StatusContext } from './detector';

const detector = new ActivityDetector();
const context = (over: Partial<StatusContext>): StatusContext => ({
  now: 10_000,
  startedAt: 0,
  lastOutputAt: 9_900,
  cursorLine: () => '',
  blockedOnTtyRead: () => false,
  ...over,
});

describe('ActivityDetector', () => {
  it('is starting until first output or a grace period', () => {
    expect(detector.detect(context({ now: 500, lastOutputAt: null }))).toBe('starting');
    expect(detector.detect(context({ now: 5_000, lastOutputAt: null }))).toBe('idle');
  });

  it('is working while output is recent, even at a prompt', () => {
    expect(detector.detect(context({ lastOutputAt: 9_950, cursorLine: () => 'user@vm:~$ ' }))).toBe('working');
  });

  it('waits for input at a prompt-looking cursor line after a quiet spell', () => {
    for (const line of ['user@vm:~$ ', 'root@vm:/# ', '> ', 'Continue? ', 'Overwrite file [y/N] ', 'Password: ']) {
      expect(detector.detect(context({ lastOutputAt: 5_000, cursorLine: () => line })), line).toBe('waiting-for-input');
    }
  });

  it('waits for input when the foreground process blocks in a tty read, prompt or not', () => {
    expect(detector.detect(context({ lastOutputAt: 5_000, blockedOnTtyRead: () => true }))).toBe('waiting-for-input');
  });

  it('is idle when quiet with no prompt and nobody reading the terminal', () => {
    expect(detector.detect(context({ lastOutputAt: 5_000, cursorLine: () => 'compiling module 12 of 80' }))).toBe('idle');
  });

  it('names the next quiet threshold at which its answer may change, and none past them', () => {
    expect(detector.nextCheckAt({ now: 200, startedAt: 0, lastOutputAt: null })).toBe(1_000);
    expect(detector.nextCheckAt({ now: 10_000, startedAt: 0, lastOutputAt: 9_900 })).toBe(10_200);
    expect(detector.nextCheckAt({ now: 10_250, startedAt: 0, lastOutputAt: 9_900 })).toBe(11_400);
    expect(detector.nextCheckAt({ now: 11_400, startedAt: 0, lastOutputAt: 9_900 })).toBeNull();
    // The answer at each threshold differs from the one just before it: looking in between would learn nothing.
    const line = () => 'user@vm:~$ ';
    expect(detector.detect(context({ now: 10_199, cursorLine: line }))).toBe('working');
    expect(detector.detect(context({ now: 10_200, cursorLine: line }))).toBe('waiting-for-input');
    expect(detector.detect(context({ now: 11_399 }))).toBe('working');
    expect(detector.detect(context({ now: 11_400 }))).toBe('idle');
  });

  it('lets agent kinds plug in their own detector', () => {
    registerDetector('always-working', () => ({ kind: 'always-working', detect: () => 'working' }));
    expect(detectorFor('always-working').detect(context({ lastOutputAt: 0 }))).toBe('working');
    expect(detectorFor('unknown-kind').kind).toBe('activity');
  });
});
