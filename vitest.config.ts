import { defineConfig } from 'vitest/config'

// Native addons and vitest worker threads do not mix: every test file runs in a forked process.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
