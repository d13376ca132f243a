import { defineConfig } from 'vitest/config';

// Two projects so the fast unit tests can run apart from the end-to-end ones:
//   unit: tests beside the code (packages/*/src, apps/*/src)
//   e2e:  test/, which starts real servers, sockets, child processes and SQLite files
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
