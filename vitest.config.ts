import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // CI (2 cores): two workers; most suites wait on git, servers and child processes, not the
    // CPU. dist/lib is then built once before them (test/support/global-setup.ts).
    ...(process.env.CI ? { maxWorkers: 2 } : {}),
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['default'] : ['default'],
    typecheck: { enabled: false },
  },
});
