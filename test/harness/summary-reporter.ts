// Prints one plain, machine-greppable line at the very end of a run: `tests: N passed, M failed[, K skipped]`,
// plus `, E errors` when something failed outside any test (a file that could not load, an afterAll hook,
// an unhandled rejection, a failing globalSetup) — otherwise such a run would claim "0 failed".
// It runs after the 'default' reporter (order in vitest.config.ts), so the line is the last one printed.
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
}

export function countRun(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
  reason: TestRunEndReason,
): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0, errors: unhandledErrors.length };
  for (const testModule of testModules) {
    for (const testCase of testModule.children.allTests()) {
      const state = testCase.result().state;
      if (state === 'passed') counts.passed += 1;
      else if (state === 'failed') counts.failed += 1;
      else if (state === 'skipped') counts.skipped += 1;
    }
    for (const suite of [testModule, ...testModule.children.allSuites()]) counts.errors += suite.errors().length;
  }
  // A failing globalSetup reaches no reporter as an error; the run still failed.
  if (reason === 'failed' && counts.failed === 0 && counts.errors === 0) counts.errors = 1;
  return counts;
}

export function summaryLine(counts: RunCounts): string {
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
  const errors = counts.errors > 0 ? `, ${counts.errors} ${counts.errors === 1 ? 'error' : 'errors'}` : '';
  return `tests: ${counts.passed} passed, ${counts.failed} failed${skipped}${errors}`;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    process.stdout.write(`${summaryLine(countRun(testModules, unhandledErrors, reason))}\n`);
  }
}
