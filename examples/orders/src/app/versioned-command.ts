/**
 * Single-stream commands that may carry the version the client read (`If-Match` at the HTTP
 * edge). Without one, `handleCommand` decides on the current state and retries on conflict;
 * with one, a stale version is refused with the stream's actual version and never retried, so
 * of two writers that read the same version exactly one wins.
 */
import {
  aggregateStream,
  appendOptionsFrom,
  ConcurrencyError,
  handleCommand,
  toEventArray,
  type Command,
  type Decider,
  type Event,
  type HandlerContext,
} from '@whizbang/core';

/** Decides `command` on `stream` and appends; answers the stream's version afterwards. */
export async function decideAtVersion<C extends Command, E extends Event, S>(
  ctx: HandlerContext,
  stream: string,
  decider: Decider<C, E, S>,
  command: C,
  expectedVersion: number | undefined,
): Promise<{ version: number }> {
  if (expectedVersion === undefined) {
    const { nextExpectedVersion } = await handleCommand(ctx, stream, decider, command);
    return { version: nextExpectedVersion };
  }
  const loaded = await aggregateStream(ctx, stream, decider);
  assertVersion(ctx, stream, loaded.version, expectedVersion);
  const events = toEventArray(decider.decide(command, loaded.state));
  if (events.length === 0) return { version: loaded.version };
  const { nextExpectedVersion } = await ctx.store.events.appendToStream(stream, events, {
    ...appendOptionsFrom(ctx),
    expectedVersion,
  });
  return { version: nextExpectedVersion };
}

/**
 * Refuses a stale expected version. A stream that does not exist is left to the decider, whose
 * "not found" is the true answer (and the same whether the id is unknown or another tenant's).
 */
export function assertVersion(
  ctx: HandlerContext,
  stream: string,
  loadedVersion: number,
  expectedVersion: number | undefined,
): void {
  if (expectedVersion !== undefined && loadedVersion !== 0 && loadedVersion !== expectedVersion)
    throw new ConcurrencyError(stream, expectedVersion, loadedVersion, ctx.tenantId);
}
