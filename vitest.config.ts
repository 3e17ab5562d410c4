import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file gets its own process: chDB allows one data directory per process.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits for what a page fetches apart (the console's Chromium tests): as long as
    // playwright's own waits, not vitest's default second, which a loaded CI machine can exceed.
    expect: { poll: { timeout: 30_000 } },
    globalSetup: ['test/support/globalSetup.ts'],
  },
})
