import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { logIntegrityConformance } from '@whizbang/testing/conformance';
import { sqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'whizbang-sqlite-integrity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One writer means a held transaction holds every writer, so fewer are slow than on Postgres.
describe('sqlite log integrity', () => {
  logIntegrityConformance('sqlite', () => sqliteStore({ path: join(dir, 'integrity.db') }), {
    slowTransactionRate: 0.002,
    rollbackRate: 0.01,
    maxHoldMs: 100,
  });
}, 300_000);
