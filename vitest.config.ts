import { defineConfig } from 'vitest/config';

// Projects, so each kind of test can run apart (`vitest run --project unit`):
//   unit: tests beside the code (packages/*/src, apps/*/src)
//   e2e:  test/, real servers, sockets, child processes and SQLite files
//   e2e-postgres: the same end-to-end suites on PostgreSQL and Redis
//   slow: the end-to-end suites that drive real nginx (one node, or two on PostgreSQL and Redis), Chromium,
//         the benchmark or kill processes, and the multi-node fault tests (test/multi-node: clusters in
//         network namespaces, processes killed)
//   miniprogram: the WeChat mini-program's pages under miniprogram-simulate against the real server
const SLOW = ['test/nginx.test.ts', 'test/nginx-upstream.test.ts', 'test/console.test.ts', 'test/office.test.ts', 'test/bench.test.ts', 'test/crash-recovery.test.ts', 'test/multi-node/**/*.test.ts'];

const E2E_ON_POSTGRES = ['test/scan-flow.test.ts', 'test/streams.test.ts', 'test/delivery.test.ts', 'test/cli.test.ts', 'test/wechat-login.test.ts', 'test/refusal-notices.test.ts', 'test/staff-invites.test.ts', 'test/counter.test.ts', 'test/cli-counter.test.ts', 'test/reports.test.ts', 'test/cli-report.test.ts', 'test/roles.test.ts', 'test/devices.test.ts', 'test/offline-codes.test.ts', 'test/cli-offline.test.ts', 'test/notify.test.ts'];

export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['scripts/fast-check-seed.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: SLOW,
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The end-to-end suites again, each server on its own PostgreSQL database and Redis key prefix
        // (test/helpers/server.ts); streams.test.ts keeps its restore-from-a-backup block SQLite-only. Not here:
        //   backup: `scanpush backup` copies a SQLite file (on PostgreSQL it refuses, tested there; pg_dump's job)
        //   single-process: the SQLite file lock itself (PostgreSQL nodes share a database by design)
        //   crash-recovery: SIGKILL mid-write and a reopen of the same SQLite file and its WAL
        //   deploy: static files, no server; nginx, console, bench: edge, browser and bench, not the engine
        //   (nginx-upstream and test/multi-node already run their nodes on PostgreSQL and Redis).
        test: {
          name: 'e2e-postgres',
          include: E2E_ON_POSTGRES,
          environment: 'node',
          env: { SCANPUSH_TEST_ENGINE: 'postgres' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'slow',
          include: SLOW,
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'miniprogram',
          include: ['apps/miniprogram/test/**/*.test.ts'],
          // Not vitest's jsdom environment: it breaks esbuild and resolves `ws` to its browser stub.
          environment: 'node',
          setupFiles: ['apps/miniprogram/test/setup/dom.ts'],
          globalSetup: ['apps/miniprogram/test/setup/compile.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
