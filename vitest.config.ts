import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources (the "@infrapilot/source"
// export condition), so a test run never depends on a stale build.
const conditions = ['@infrapilot/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Database suites each make their own database; two cores run two files at once.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['packages/*/src/**/*.test.ts'], exclude: ['packages/web/**'], environment: 'node' },
      },
      {
        // The web app's component tests: React in a DOM (happy-dom), no server.
        extends: true,
        plugins: [react()],
        resolve: { conditions: ['@infrapilot/source', 'browser', 'module', 'development|production'] },
        test: {
          name: 'web',
          include: ['packages/web/src/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          setupFiles: ['packages/web/src/test-setup.ts'],
        },
      },
    ],
  },
});
