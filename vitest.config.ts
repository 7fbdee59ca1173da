import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources (the "@infrapilot/source"
// export condition), so a test run never depends on a stale build.
const conditions = ['@infrapilot/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Database suites each make their own database; two cores run two files at once.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
