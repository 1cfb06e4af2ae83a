import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe } from 'vitest';
import { crashRecoveryConformance } from '@whizbang/testing/conformance';
import { sqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'whizbang-sqlite-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'crash.db');
const writer = fileURLToPath(new URL('./test-support/crash-writer.mjs', import.meta.url));

describe('sqlite crash recovery', () => {
  crashRecoveryConformance('sqlite', {
    command: [process.execPath, writer, path],
    open: () => sqliteStore({ path }),
  });
});
