/**
 * How destinations and subscriptions become exchange and queue names. A queue's name joins
 * destination and group with `:`, which neither may contain, so two subscriptions never share
 * a queue (`a.b` + `c` and `a` + `b.c` would, joined with a dot).
 */
import { ValidationError, type Subscription } from '@whizbang/core';

export class Names {
  constructor(readonly prefix: string) {}

  exchange(destination: string, subject: string): string {
    const name = `${this.prefix}${destination}`;
    // RabbitMQ refuses to declare `amq.*` and closes the channel over it: say so up front.
    if (name.startsWith('amq.'))
      throw new ValidationError(
        [{ message: "names starting with 'amq.' are reserved by RabbitMQ", path: ['destination'] }],
        subject,
      );
    return name;
  }

  queue(subscription: Subscription, subject: string): string {
    return `${this.exchange(subscription.destination, subject)}:${subscription.group}`;
  }

  deadLetterQueue(subscription: Subscription, subject: string): string {
    return `${this.queue(subscription, subject)}:dead-letters`;
  }
}

/**
 * Queue arguments. Messages the broker itself dead-letters (RabbitMQ 4 quorum queues drop a
 * message redelivered more than 20 times unless told where to put it; a TTL policy expires
 * them) go to the subscription's dead-letter queue rather than nowhere, and on quorum queues
 * at least once rather than at most once.
 */
export function queueArguments(
  queueType: 'quorum' | 'classic',
  deadLetterQueue?: string,
): Record<string, string> {
  if (deadLetterQueue === undefined) return { 'x-queue-type': queueType };
  return {
    'x-queue-type': queueType,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': deadLetterQueue,
    ...(queueType === 'quorum' && {
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    }),
  };
}
