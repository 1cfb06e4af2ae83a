/**
 * One `consume` call: a consumer of its own in the subscription's group, reading on a
 * connection of its own. Its loop takes new entries (`XREADGROUP >`) and, every `blockMs`,
 * entries idle past `claimIdleMs` (`XAUTOCLAIM`), up to `prefetch` unsettled at once.
 *
 * Delivery counts are the group's own (the pending-entries list counter): a read counts 1,
 * every take-over or nack one more, and giving entries back on stop or close counts nothing,
 * since no handler saw them again. While a handler runs, its entry is renewed (idle reset) so
 * no one takes it over from a live consumer however slow the handler is.
 */
import { StateError, type Delivery, type Subscription, type TransportMessage } from '@whizbang/core';
import { handleDelivery, settleOnce } from '@whizbang/core/driver';
import type { Redis } from 'ioredis';
import type { TransportConfig } from './config.js';
import {
  bounded,
  closeConnection,
  untilReady,
  watchConnection,
  type Client,
  type Readiness,
} from './connections.js';
import { claim, deadLetter, forgetConsumer, redeliver, tidy, touch } from './scripts.js';
import { messageFields, readEntry } from './stream-entries.js';

/** Older than any claimer's minimum idle time, so the next claim pass of any consumer takes it. */
const GIVEN_BACK_IDLE_MS = 365 * 24 * 60 * 60 * 1000;

export interface ConsumerSetup {
  readonly command: Client;
  readonly commandReady: Readiness;
  readonly reader: Redis;
  readonly subscription: Subscription;
  readonly streamKey: string;
  readonly deadLetterKey: string;
  /** Unique per process and `consume` call: competing consumers are distinct names in the group. */
  readonly name: string;
  readonly prefetch: number;
  readonly handler: (delivery: Delivery) => Promise<void>;
  readonly config: TransportConfig;
}

interface Flight {
  readonly entryId: string;
  readonly message: TransportMessage;
  /** Given back by `close()`: settling it now would act on an entry that may be someone else's. */
  gone: boolean;
}

type ReadReply = [key: string, entries: [id: string, fields: string[]][]][] | null;
type ClaimReply = [cursor: string, entries: [id: string, fields: string[], count: number][]];

/** Wakes whoever waits on it; every wait also ends by itself after its timeout. */
class Signal {
  #waiters: (() => void)[] = [];

  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      // A wait that times out leaves, so a consumer stuck at full prefetch does not pile them up.
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== done);
        done();
      }, timeoutMs);
      this.#waiters.push(done);
    });
  }

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

export class StreamConsumer {
  readonly #setup: ConsumerSetup;
  readonly #inFlight = new Map<string, Flight>();
  readonly #running = new Set<Promise<void>>();
  /** Room freed, or the consumer halted. */
  readonly #changed = new Signal();
  readonly #halted: Promise<void>;
  #halt = () => {};
  #state: 'running' | 'stopping' | 'closed' = 'running';
  #loop: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | undefined;
  #renewer: NodeJS.Timeout | undefined;
  #renewing = false;
  #nextClaim = 0;
  #readerId: number | undefined;

  constructor(setup: ConsumerSetup) {
    this.#setup = setup;
    this.#halted = new Promise((resolve) => (this.#halt = resolve));
    const { reader, config } = setup;
    watchConnection(reader, `'${setup.name}' reader`, config.onError);
    // Its id lets `stop()` end a blocked read at once (CLIENT UNBLOCK); it changes on reconnect.
    reader.on('ready', () => {
      reader.client('ID').then(
        (id) => (this.#readerId = id),
        () => undefined,
      );
    });
  }

  start(): void {
    this.#loop = this.#read();
    this.#renewer = setInterval(
      () => void this.#renew(),
      Math.max(10, Math.floor(this.#setup.config.claimIdleMs / 3)),
    );
    this.#renewer.unref();
  }

  /** Stops reading, waits for the handlers in flight, and gives back what they left unsettled. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  /** For `close()`: stops at once, gives back every unsettled entry, waits for no handler. */
  async abandon(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#halt();
    this.#changed.notify();
    clearInterval(this.#renewer);
    const flights = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const flight of flights) flight.gone = true;
    await bounded(this.#unblock(), 1_000);
    if (flights.length > 0) await bounded(this.#giveBack(flights.map((f) => f.entryId)), 2_000);
    this.#setup.reader.disconnect();
    await bounded(this.#loop, 1_000);
  }

  async #stop(): Promise<void> {
    if (this.#state === 'running') this.#state = 'stopping';
    this.#halt();
    this.#changed.notify();
    await this.#unblock();
    await this.#loop;
    while (this.#running.size > 0) await Promise.all(this.#running);
    clearInterval(this.#renewer);
    const { command, streamKey, subscription, name, reader } = this.#setup;
    if (this.#state === 'stopping') {
      // Settlements that failed left their entries pending here; others may take them now.
      await this.#giveBack([...this.#inFlight.keys()]);
      this.#inFlight.clear();
      await forgetConsumer.run(command, [streamKey], [subscription.group, name]).catch(this.#report);
    }
    await closeConnection(reader);
  }

  async #read(): Promise<void> {
    const { reader, config, prefetch, subscription, name, streamKey } = this.#setup;
    while (this.#state === 'running') {
      try {
        if (reader.status !== 'ready') {
          await untilReady(reader, config.blockMs, this.#halted);
          continue;
        }
        if (this.#inFlight.size >= prefetch) {
          await this.#changed.wait(config.blockMs);
          continue;
        }
        if (Date.now() >= this.#nextClaim) {
          this.#nextClaim = Date.now() + config.blockMs;
          await this.#claim();
          await tidy.run(
            reader,
            [streamKey],
            [subscription.group, config.claimIdleMs + 2 * config.blockMs, config.trim ? '1' : '0'],
          );
          continue;
        }
        const block = Math.max(1, Math.min(config.blockMs, this.#nextClaim - Date.now()));
        const room = prefetch - this.#inFlight.size;
        const reply = (await reader.xreadgroup(
          'GROUP',
          subscription.group,
          name,
          'COUNT',
          room,
          'BLOCK',
          block,
          'STREAMS',
          streamKey,
          '>',
        )) as ReadReply;
        const late: string[] = [];
        for (const [, entries] of reply ?? [])
          for (const [id, fields] of entries) this.#accept(id, fields, 1, late);
        if (late.length > 0) await this.#giveBack(late);
      } catch (error) {
        if (this.#state !== 'running') break;
        await this.#recover(error as Error);
      }
    }
  }

  /** Takes over entries idle past `claimIdleMs`: a dead consumer's, or given back by a stopped one. */
  async #claim(): Promise<void> {
    const { reader, streamKey, subscription, name, prefetch, config } = this.#setup;
    let cursor = '0-0';
    do {
      const room = prefetch - this.#inFlight.size;
      if (room <= 0) return;
      const [next, entries] = (await claim.run(
        reader,
        [streamKey],
        [subscription.group, name, config.claimIdleMs, cursor, room],
      )) as ClaimReply;
      const late: string[] = [];
      for (const [id, fields, count] of entries) this.#accept(id, fields, count, late);
      if (late.length > 0) await this.#giveBack(late);
      cursor = next;
    } while (cursor !== '0-0' && this.#state === 'running');
  }

  #accept(entryId: string, fields: string[], count: number, late: string[]): void {
    // Read while stopping: no handler sees it, so it goes back uncounted.
    if (this.#state !== 'running') return void late.push(entryId);
    // Ours already: a renewal failed for long enough that the claim pass took it back itself.
    if (this.#inFlight.has(entryId)) return;
    const { message, problem } = readEntry(entryId, fields);
    this.#deliver(entryId, message, count, problem);
  }

  #deliver(entryId: string, message: TransportMessage, count: number, problem?: string): void {
    const { subscription, streamKey, deadLetterKey, handler } = this.#setup;
    const flight: Flight = { entryId, message, gone: false };
    this.#inFlight.set(entryId, flight);
    const delivery = settleOnce(message, subscription, count, {
      ack: () => this.#settle(flight, (redis) => redis.xack(streamKey, subscription.group, entryId)),
      nack: () => this.#nack(flight),
      deadLetter: (reason) =>
        this.#settle(flight, (redis) =>
          deadLetter.run(
            redis,
            [streamKey, deadLetterKey],
            [subscription.group, entryId, ...messageFields(message), 'reason', reason, 'entry', entryId],
          ),
        ),
    });
    // An entry that is not a Whizbang message never reaches the handler: it is parked as it is.
    const handle = problem === undefined ? handler : (d: Delivery) => d.deadLetter(problem);
    const run: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => handleDelivery(handle, delivery))
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  async #settle(flight: Flight, command: (redis: Client) => Promise<unknown>): Promise<void> {
    if (flight.gone) throw this.#gone(flight);
    try {
      await this.#setup.commandReady.check(`settle message '${flight.message.id}'`);
      await command(this.#setup.command);
    } finally {
      // Settled or not, it is no longer renewed: if the command failed, the entry stays pending
      // and is taken over again after claimIdleMs, so it is not lost.
      this.#release(flight);
    }
  }

  /** While running, a nacked entry is delivered again here at once; when stopping, given back. */
  async #nack(flight: Flight): Promise<void> {
    if (this.#state !== 'running') return this.#settle(flight, () => this.#giveBack([flight.entryId], false));
    if (flight.gone) throw this.#gone(flight);
    const { command, commandReady, streamKey, subscription, name } = this.#setup;
    let count: unknown;
    try {
      await commandReady.check(`nack message '${flight.message.id}'`);
      count = await redeliver.run(command, [streamKey], [subscription.group, name, flight.entryId]);
    } catch (error) {
      this.#release(flight);
      throw error;
    }
    if (flight.gone) return; // close() gave it back meanwhile
    if (typeof count !== 'number') return this.#release(flight); // another consumer took it over
    if (this.#state !== 'running') {
      this.#release(flight);
      return this.#giveBack([flight.entryId]);
    }
    this.#deliver(flight.entryId, flight.message, count);
  }

  #release(flight: Flight): void {
    if (this.#inFlight.get(flight.entryId) !== flight) return;
    this.#inFlight.delete(flight.entryId);
    this.#changed.notify();
  }

  /** Makes entries this consumer holds claimable by the group's next claim pass, uncounted. */
  async #giveBack(entryIds: readonly string[], report = true): Promise<void> {
    if (entryIds.length === 0) return;
    const { command, streamKey, subscription, name } = this.#setup;
    try {
      await touch.run(command, [streamKey], [subscription.group, name, GIVEN_BACK_IDLE_MS, ...entryIds]);
    } catch (error) {
      // They stay pending and are taken over after claimIdleMs instead.
      if (!report) throw error;
      this.#report(error);
    }
  }

  /** Resets the idle time of the entries being handled, so no claimer takes them from a live consumer. */
  async #renew(): Promise<void> {
    const { command, streamKey, subscription, name, config } = this.#setup;
    if (this.#renewing || this.#inFlight.size === 0 || command.status !== 'ready') return;
    this.#renewing = true;
    try {
      await touch.run(command, [streamKey], [subscription.group, name, 0, ...this.#inFlight.keys()]);
    } catch (error) {
      config.onError(
        new StateError(
          `Consumer '${name}' could not renew its ${this.#inFlight.size} unsettled entries (${(error as Error).message}); ` +
            `past claimIdleMs (${config.claimIdleMs} ms) other consumers of '${subscription.group}' may take them over`,
          { cause: error },
        ),
      );
    } finally {
      this.#renewing = false;
    }
  }

  async #recover(error: Error): Promise<void> {
    const { reader, config, streamKey, subscription, name } = this.#setup;
    if (error.message.startsWith('NOGROUP')) {
      // The group vanished under a running consumer: Redis restarted without persistence, or
      // someone ran FLUSHALL or XGROUP DESTROY. Re-create it so the service carries on.
      try {
        await reader.xgroup('CREATE', streamKey, subscription.group, '$', 'MKSTREAM');
        config.onError(
          new StateError(
            `Consumer group '${subscription.group}' of stream '${streamKey}' was missing from Redis (a restart without ` +
              'persistence, FLUSHALL or XGROUP DESTROY?) and was re-created; what was published while it was missing is lost for it',
          ),
        );
        return;
      } catch (failure) {
        if ((failure as Error).message.startsWith('BUSYGROUP')) return;
        error = failure as Error;
      }
    }
    // A lost connection is reported by the connection's own 'error' event; a refused command is not.
    if (reader.status === 'ready') {
      config.onError(
        new StateError(
          `Consumer '${name}' of '${subscription.destination}' / '${subscription.group}' cannot read: ${error.message}`,
          {
            cause: error,
          },
        ),
      );
      await this.#changed.wait(config.blockMs);
    } else {
      await untilReady(reader, config.blockMs, this.#halted);
    }
  }

  /** Ends a blocked read now rather than after blockMs. Without CLIENT rights it ends by itself. */
  async #unblock(): Promise<void> {
    const { command } = this.#setup;
    if (this.#readerId === undefined || command.status !== 'ready') return;
    await command.client('UNBLOCK', this.#readerId).catch(() => undefined);
  }

  #gone(flight: Flight): StateError {
    return new StateError(
      `The transport was closed: message '${flight.message.id}' was given back to group '${this.#setup.subscription.group}' and will be delivered again`,
    );
  }

  readonly #report = (error: unknown): void =>
    this.#setup.config.onError(error instanceof Error ? error : new Error(String(error)));
}
