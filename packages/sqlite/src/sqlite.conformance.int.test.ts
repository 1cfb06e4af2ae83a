import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { storeConformance } from '@whizbang/testing/conformance';
import { sqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'whizbang-sqlite-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// On a real file (WAL, separate read connection), the way the embedded default runs.
storeConformance('sqlite file', (options) => sqliteStore({ path: join(dir, `store-${n++}.db`), ...options }));
// And in memory, where reads and writes share one connection.
storeConformance('sqlite :memory:', (options) => sqliteStore({ path: ':memory:', ...options }));
