import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their sources, so tests never run against a stale build.
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const alias = {
  '@whizbang/core/driver': source('./packages/core/src/driver.ts'),
  '@whizbang/core': source('./packages/core/src/index.ts'),
  '@whizbang/sqlite': source('./packages/sqlite/src/index.ts'),
  '@whizbang/postgres': source('./packages/postgres/src/index.ts'),
  '@whizbang/rabbitmq': source('./packages/rabbitmq/src/index.ts'),
  '@whizbang/nats': source('./packages/nats/src/index.ts'),
  '@whizbang/redis': source('./packages/redis/src/index.ts'),
  '@whizbang/http': source('./packages/http/src/index.ts'),
  '@whizbang/otel': source('./packages/otel/src/index.ts'),
  '@whizbang/testing/conformance': source('./packages/testing/src/conformance/index.ts'),
  '@whizbang/testing': source('./packages/testing/src/index.ts'),
};

const level = (name: string, timeout: number, parallel = true) => ({
  extends: true as const,
  resolve: { alias },
  test: {
    name,
    fileParallelism: parallel,
    include: [`**/src/**/*.${name}.test.ts`],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: timeout,
  },
});

export default defineConfig({
  test: {
    reporters: ['default', './scripts/count-reporter.ts'],
    // Integration files run one at a time: they share real servers, and a transaction held open
    // in one (on purpose) would hold back gap-safe readers in another.
    projects: [level('unit', 10_000), level('int', 60_000, false), level('e2e', 120_000, false)],
  },
});
