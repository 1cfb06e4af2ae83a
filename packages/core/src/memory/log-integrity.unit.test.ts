import { describe } from 'vitest';
import { logIntegrityConformance } from '@whizbang/testing/conformance';
import { memoryStore } from './memory-store.js';

describe('memory log integrity', () => {
  logIntegrityConformance('memory', () => memoryStore(), {
    slowTransactionRate: 0.002,
    rollbackRate: 0.01,
    maxHoldMs: 50,
  });
}, 120_000);
