import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['{protocol,agent,coordinator,scripts}/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    setupFiles: ['test/setup/polyfills.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Multi-process fleet tests are heavy on a 2-core machine; keep files from starving each other.
    maxWorkers: 2,
    pool: 'forks',
  },
});
