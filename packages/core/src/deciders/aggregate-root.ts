/**
 * An optional class-based aggregate for teams who prefer methods over a decider. It records
 * new events and applies them through `apply`, the class counterpart of `evolve`.
 */
import type { Event } from '../messages/define.js';

/**
 * @example
 * class Order extends AggregateRoot<OrderEvent> {
 *   status: 'pending' | 'confirmed' = 'pending';
 *   confirm() {
 *     if (this.status !== 'pending') throw new Error('only pending orders confirm');
 *     this.raise(OrderConfirmed({ orderId: this.id }));
 *   }
 *   protected apply(event: OrderEvent) { if (event.type === 'OrderConfirmed') this.status = 'confirmed'; }
 * }
 */
export abstract class AggregateRoot<E extends Event = Event> {
  #pending: E[] = [];
  #version = 0;

  /** The stream version this instance was loaded at plus the events it has raised. */
  get version(): number {
    return this.#version + this.#pending.length;
  }

  /** The stream version the instance was loaded at: the expected version of the next append. */
  get loadedVersion(): number {
    return this.#version;
  }

  /** Events raised since load or the last `markCommitted()`. */
  get pendingEvents(): readonly E[] {
    return this.#pending;
  }

  /** Applies stored events (on load), advancing the loaded version. */
  replay(events: Iterable<E>): this {
    for (const event of events) {
      this.apply(event);
      this.#version += 1;
    }
    return this;
  }

  /** After a successful append. */
  markCommitted(): void {
    this.#version += this.#pending.length;
    this.#pending = [];
  }

  /** Records a new event and applies it. */
  protected raise(event: E): void {
    this.apply(event);
    this.#pending.push(event);
  }

  protected abstract apply(event: E): void;
}
