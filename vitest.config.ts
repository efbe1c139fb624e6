import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests share one NATS and one PostgreSQL; each file uses its own stream and schema names,
    // but the 2-core machine is the limit, so files run two at a time.
    maxWorkers: 2,
    // Integration tests run whole gateways and child processes on two shared cores; a test that fails is run once
    // more before it counts, and vitest reports every retry, so a flaky test still shows.
    retry: 1,
    fileParallelism: true,
  },
});
