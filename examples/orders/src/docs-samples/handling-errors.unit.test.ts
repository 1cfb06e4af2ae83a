import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as core from '@whizbang/core';
import { memoryStore } from '@whizbang/core';
import { describe, expect, it } from 'vitest';
import { describeError } from './handling-errors.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('docs/errors.md', () => {
  it('lists every error code of the catalog and every public guard', () => {
    const doc = readFileSync(`${root}docs/errors.md`, 'utf8');
    const catalog = readFileSync(`${root}packages/core/src/errors/catalog.ts`, 'utf8');
    const codes = [...catalog.matchAll(/readonly code = '(WHIZBANG_[A-Z_]+)'/g)].map((m) => m[1] ?? '');
    expect(codes.length).toBeGreaterThan(10);
    for (const code of codes) expect(doc, `docs/errors.md is missing ${code}`).toContain(`\`${code}\``);
    const guards = Object.keys(core).filter((name) => /^is[A-Z]\w*Error$/.test(name));
    for (const guard of guards) expect(doc, `docs/errors.md is missing ${guard}`).toContain(`\`${guard}\``);
  });

  it('describes a conflict, a validation failure and any other Whizbang error, and rethrows the rest', async () => {
    const store = memoryStore();
    const Noted = core.defineEvent('Noted');
    await store.events.appendToStream('s-1', [Noted({})]);
    const conflict = await store.events
      .appendToStream('s-1', [Noted({})], { expectedVersion: 'no_stream' })
      .catch((e: unknown) => e);
    expect(describeError(conflict)).toBe(
      'Someone changed s-1 first (now at version 1); reload and try again.',
    );
    const invalid = await store.events.appendToStream('s-1', []).catch((e: unknown) => e);
    expect(describeError(invalid)).toMatch(/^Invalid appendToStream: /);
    const missing = await store.events.archiveStream('nope').catch((e: unknown) => e);
    expect(describeError(missing)).toBe("WHIZBANG_STREAM_NOT_FOUND: Stream 'nope' does not exist");
    const other = new Error('boom');
    expect(() => describeError(other)).toThrow(other);
  });
});
