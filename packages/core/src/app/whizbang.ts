/**
 * The application object: the mediator bound to a store, plus the background services
 * (projection daemon, outbox relay, consumers, scheduler) that `start()` and `stop()` manage.
 */
import { StateError } from '../errors/catalog.js';
import { Mediator, type MediatorOptions } from '../mediator/mediator.js';
import type { Store } from '../store/ports.js';

/** Something that runs in the background while the app is started. */
export interface BackgroundService {
  readonly name: string;
  /** Starts work; `signal` aborts when the app stops. Resolves once the service is running. */
  start(signal: AbortSignal): Promise<void>;
  /** Finishes in-flight work and releases resources. */
  stop(): Promise<void>;
}

export interface WhizbangOptions extends Omit<MediatorOptions, 'store'> {
  readonly store: Store;
  readonly services?: readonly BackgroundService[];
}

export class WhizbangApp extends Mediator implements AsyncDisposable {
  readonly store: Store;
  readonly #services: readonly BackgroundService[];
  #state: 'idle' | 'starting' | 'started' | 'stopping' = 'idle';
  #abort: AbortController | undefined;
  #started: BackgroundService[] = [];

  constructor(options: WhizbangOptions) {
    super(options);
    this.store = options.store;
    this.#services = options.services ?? [];
  }

  get state(): 'idle' | 'starting' | 'started' | 'stopping' {
    return this.#state;
  }

  /**
   * Starts the background services in order. If one fails, those already started are
   * stopped again and the error is thrown.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new StateError(`Cannot start an app that is ${this.#state}`);
    this.#state = 'starting';
    this.#abort = new AbortController();
    try {
      for (const service of this.#services) {
        await service.start(this.#abort.signal);
        this.#started.push(service);
      }
      this.#state = 'started';
    } catch (error) {
      await this.#stopStarted();
      this.#state = 'idle';
      throw error;
    }
  }

  /** Stops the background services in reverse order. The store stays open: it is the caller's. */
  async stop(): Promise<void> {
    if (this.#state !== 'started') return;
    this.#state = 'stopping';
    await this.#stopStarted();
    this.#state = 'idle';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #stopStarted(): Promise<void> {
    this.#abort?.abort(new StateError('The app is stopping'));
    const errors: unknown[] = [];
    for (const service of this.#started.toReversed()) {
      await service.stop().catch((error: unknown) => errors.push(error));
    }
    this.#started = [];
    if (errors.length > 0) throw new AggregateError(errors, 'Some services failed to stop');
  }
}

/**
 * Creates a Whizbang application.
 * @example
 * const app = whizbang({ store: memoryStore(), handlers: [placeOrder, getOrder], middleware: [logging] });
 * await app.start();
 * const { orderId } = await app.send(PlaceOrder({ customerId, items }));
 * await app.stop();
 */
export function whizbang(options: WhizbangOptions): WhizbangApp {
  return new WhizbangApp(options);
}
