/**
 * `subscribe` for every driver: read the log to its head, then wait for a wake-up (an append
 * in this process, a NOTIFY, …) or the poll interval, and read again. The head is taken before
 * each read, so events appended meanwhile are read next time round, never skipped.
 */
import { compareLogPositions } from './log-position.js';
import { checkReadAll } from './read-input.js';
import {
  LOG_START,
  type LogPosition,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from './types.js';

export interface TailSource {
  readAll(options: ReadAllOptions): AsyncIterable<RecordedEvent>;
  readHeadPosition(): Promise<LogPosition>;
  /** Resolves at the next wake-up, or when cancelled. */
  nextAppend(): { promise: Promise<void>; cancel: () => void };
}

export async function* tail(
  source: TailSource,
  options: SubscribeOptions,
  defaultPollIntervalMs: number,
): AsyncGenerator<RecordedEvent> {
  checkReadAll(options);
  const { signal } = options;
  let after: LogPosition = options.after ?? LOG_START;
  for (;;) {
    if (signal?.aborted) return;
    // Ask for the wake-up before reading, so an append during the read is not missed.
    const wait = source.nextAppend();
    try {
      const head = await source.readHeadPosition();
      for await (const event of source.readAll({ ...options, after })) {
        after = event.logPosition;
        yield event;
      }
      // Filtered-out events up to that head still move the cursor, so they are not scanned again.
      if (compareLogPositions(head, after) > 0) after = head;
      if (signal?.aborted) return;
      const onAbort = () => wait.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(wait.cancel, options.pollIntervalMs ?? defaultPollIntervalMs);
      await wait.promise;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    } finally {
      wait.cancel();
    }
  }
}
