/**
 * The test that breaks naive event stores: many writers append while a reader tails the global
 * log from the start, and some writers hold their transaction open for a while before
 * committing (or roll it back). The reader must receive every acknowledged event exactly once,
 * nothing rolled back, and each stream's events in version order.
 */
import { expect, it } from 'vitest';
import { LOG_START, type RecordedEvent, type Store } from '@whizbang/core';
import type { StoreFactory } from './harness.js';

export interface LogIntegrityOptions {
  readonly writers?: number;
  readonly appendsPerWriter?: number;
  readonly streams?: number;
  /** Share of appends made in a transaction held open for 0..maxHoldMs before commit. */
  readonly slowTransactionRate?: number;
  readonly maxHoldMs?: number;
  /** Share of appends made in a transaction that is then rolled back. */
  readonly rollbackRate?: number;
  /** How long the reader may take to catch up once the writers are done. */
  readonly drainTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `WHIZBANG_STRESS_SCALE` multiplies the appends per writer for longer local runs. */
function scale(): number {
  const value = Number(process.env['WHIZBANG_STRESS_SCALE'] ?? 1);
  return Number.isFinite(value) && value > 0 ? value : 1;
}

export function logIntegrityConformance(
  name: string,
  factory: StoreFactory,
  options: LogIntegrityOptions = {},
): void {
  const writers = options.writers ?? 16;
  const perWriter = Math.round((options.appendsPerWriter ?? 2000) * scale());
  const streams = options.streams ?? 200;
  const slowRate = options.slowTransactionRate ?? 0;
  const rollbackRate = options.rollbackRate ?? 0;
  const maxHold = options.maxHoldMs ?? 200;

  it(`${name}: ${writers} writers × ${perWriter} appends over ${streams} streams, tailed live: every acknowledged event exactly once, in stream order`, async () => {
    const store: Store = await factory({});
    try {
      const acknowledged = new Set<string>();
      const rolledBack = new Set<string>();
      const received: RecordedEvent[] = [];
      const controller = new AbortController();
      let writersDone = false;

      const reader = (async () => {
        for await (const event of store.events.subscribe({
          after: LOG_START,
          batchSize: 500,
          pollIntervalMs: 25,
          signal: controller.signal,
        })) {
          received.push(event);
          if (writersDone && received.length >= acknowledged.size) controller.abort();
        }
      })().catch((error: unknown) => {
        if (!controller.signal.aborted) throw error;
      });

      const writer = async (w: number) => {
        for (let i = 0; i < perWriter; i++) {
          const id = `w${w}-${i}`;
          const stream = `stream-${(w * 7919 + i * 104729) % streams}`;
          const event = { type: 'Appended', data: { w, i }, id };
          const roll = Math.random();
          if (roll < rollbackRate) {
            await store
              .transaction(async (tx) => {
                await tx.events.appendToStream(stream, [event]);
                throw new Error('rolled back on purpose');
              })
              .catch(() => undefined);
            rolledBack.add(id);
          } else if (roll < rollbackRate + slowRate) {
            await store.transaction(async (tx) => {
              await tx.events.appendToStream(stream, [event]);
              await sleep(Math.random() * maxHold);
            });
            acknowledged.add(id);
          } else {
            await store.events.appendToStream(stream, [event]);
            acknowledged.add(id);
          }
        }
      };
      await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
      writersDone = true;
      if (received.length >= acknowledged.size) controller.abort();
      const timeout = setTimeout(() => controller.abort(), options.drainTimeoutMs ?? 30_000);
      await reader;
      clearTimeout(timeout);

      const ids = received.map((e) => e.id);
      expect(new Set(ids).size, 'no event is delivered twice').toBe(ids.length);
      const seen = new Set(ids);
      const missing = [...acknowledged].filter((id) => !seen.has(id));
      expect(missing.slice(0, 10), `${missing.length} acknowledged events never reached the reader`).toEqual(
        [],
      );
      expect(
        ids.filter((id) => rolledBack.has(id)),
        'rolled-back events must never be read',
      ).toEqual([]);
      expect(received.length).toBe(acknowledged.size);

      // Each stream's events reach the reader in version order, 1, 2, 3, … with no gap.
      const nextVersion = new Map<string, number>();
      for (const event of received) {
        const expected = nextVersion.get(event.stream) ?? 1;
        expect(event.streamVersion, `${event.stream} out of order`).toBe(expected);
        nextVersion.set(event.stream, expected + 1);
      }
      for (const [stream, next] of nextVersion)
        expect((await store.events.readStream(stream)).version).toBe(next - 1);
    } finally {
      await store.close();
    }
  });
}
