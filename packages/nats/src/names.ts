/**
 * How destinations and groups become JetStream streams, consumers and subjects. Stream and
 * consumer names cannot hold '.', so names are escaped; the escaping is a prefix code
 * ('.' → '_', '_' → '-_', '-' → '--'), so two different names never map to the same stream,
 * and the common dotted name stays readable (`orders.events` → `whizbang_orders_events`).
 */
import type { Subscription } from '@whizbang/core';

/** A transport's prefix: letters and digits only, so it ends unambiguously at the first '_' or '-'. */
export const PREFIX = /^[A-Za-z0-9]{1,32}$/;

/** A checked channel name (see `checkChannelName`) as one stream- and token-safe word. */
export function escapeName(name: string): string {
  return name.replace(/[._-]/g, (c) => (c === '.' ? '_' : c === '_' ? '-_' : '--'));
}

/** The JetStream names a transport with this prefix uses: for operators, dashboards and tests. */
export class Names {
  constructor(readonly prefix: string) {}

  /** The stream holding a destination's messages. */
  stream(destination: string): string {
    return `${this.prefix}_${escapeName(destination)}`;
  }

  /** The one subject of a destination's stream. Subjects may hold dots, so it keeps the name. */
  subject(destination: string): string {
    return `${this.prefix}.${destination}`;
  }

  /** The durable pull consumer of a group on its destination's stream. */
  consumer(subscription: Subscription): string {
    return escapeName(subscription.group);
  }

  /**
   * The stream parking a destination's dead letters. Escaped names never hold '-' followed by
   * a letter, so the `-dlq` suffix cannot be mistaken for part of a destination.
   */
  deadLetterStream(destination: string): string {
    return `${this.stream(destination)}-dlq`;
  }

  /** Subjects of the dead-letter stream: one per group, under a first token no destination uses. */
  deadLetterSubjects(destination: string): string {
    return `${this.prefix}-dlq.*.${destination}`;
  }

  deadLetterSubject(subscription: Subscription): string {
    return `${this.prefix}-dlq.${escapeName(subscription.group)}.${subscription.destination}`;
  }
}
