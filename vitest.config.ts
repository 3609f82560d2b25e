import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{common,main,agent-host,renderer,test}/**/*.test.ts'],
    // Native addons (node-pty, better-sqlite3) and child processes want real processes, not threads.
    pool: 'forks',
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/harness/summary-reporter.ts'],
  },
});
