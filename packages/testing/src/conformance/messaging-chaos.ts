/**
 * Messaging under fire: messages go from an outbox through a real broker to an inbox handler
 * while the broker is stopped and restarted and the relay process is killed with SIGKILL,
 * twice. At the end every message has had its effect exactly once: none lost (the outbox and
 * the relay's claims), none doubled (the inbox). Transport packages run it against their
 * broker; the store is a real database shared by the processes.
 */
import { expect, it } from 'vitest';
import {
  commandsOf,
  defineCommand,
  encodeEnvelope,
  handle,
  type,
  uuidv7,
  whizbang,
  type NewOutboxMessage,
  type Store,
  type Transport,
} from '@whizbang/core';
import { kill, startNode, type Node } from './child-nodes.js';

/** The command each chaos message carries; its handler counts its effect per message. */
export const ChaosEffect = defineCommand('ChaosEffect', { data: type<{ n: number }>() });

const SENDER = 'chaos-sender';
const RECEIVER = 'chaos-receiver';
const EFFECTS = 'chaos-effects';

/**
 * One process of the chaos test, for transport packages to call from a child process:
 * `relay` runs the sending service's outbox relay only; `consumer` runs the receiving
 * service's consumers, whose handler bumps a per-message counter in the same transaction as
 * the inbox record.
 */
export async function runMessagingChaosNode(
  role: 'relay' | 'consumer',
  store: Store,
  transport: Transport,
): Promise<never> {
  const app =
    role === 'relay'
      ? whizbang({
          store,
          messaging: {
            transport,
            service: SENDER,
            commandRoutes: { ChaosEffect: RECEIVER },
            runConsumers: false,
            relay: { batchSize: 500, leaseMs: 5_000, pollIntervalMs: 100 },
          },
        })
      : whizbang({
          store,
          messaging: { transport, service: RECEIVER, runRelay: false, prefetch: 64 },
          handlers: [
            handle(ChaosEffect, async (command, ctx) => {
              const id = String(command.data.n);
              const seen = await ctx.store.documents.get<{ count: number }>(EFFECTS, id);
              await ctx.store.documents.put(EFFECTS, id, { count: (seen?.data.count ?? 0) + 1 });
            }),
          ],
        });
  await app.start();
  process.stdout.write(`started ${role}\n`);
  return new Promise<never>(() => setInterval(() => undefined, 60_000));
}

export interface MessagingChaosOptions {
  /** The command that runs one node (see `runMessagingChaosNode`); the role is appended to it. */
  readonly command: readonly [string, ...string[]];
  /** Opens the store the nodes share, migrated and empty. */
  readonly open: () => Promise<Store> | Store;
  readonly stopBroker: () => Promise<void>;
  readonly startBroker: () => Promise<void>;
  /** Messages in all (default 20,000, or `WHIZBANG_MESSAGING_CHAOS_MESSAGES`). */
  readonly messages?: number;
  /** How long the broker stays down (ms; default 30,000, or `WHIZBANG_MESSAGING_CHAOS_DOWN_MS`). */
  readonly brokerDownMs?: number;
  /** How long the whole run may take before it fails (ms; default 6 minutes). */
  readonly timeoutMs?: number;
  /**
   * Whether a relay process can start while the broker is down (default true). A transport
   * that must reach its broker to be created sets false: the relay killed during the outage is
   * then started again once the broker is back.
   */
  readonly startsWithoutBroker?: boolean;
  /**
   * A new connection to the broker, to say on failure what its dead-letter queue holds (a message
   * parked there never reaches the handler, and the store knows nothing of it).
   */
  readonly connect?: () => Promise<Transport> | Transport;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Outbox rows as a sending handler would have written them: one ChaosEffect each. */
function effects(from: number, count: number): NewOutboxMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const id = uuidv7();
    const envelope = {
      id,
      type: ChaosEffect.type,
      data: { n: from + i },
      metadata: { correlationId: id, timestamp: Date.now() },
    };
    const { body, headers } = encodeEnvelope('command', envelope);
    return { id, destination: commandsOf(RECEIVER), type: ChaosEffect.type, body, headers };
  });
}

/** `[0, 1, 2, 5, 7, 8]` as `0-2, 5, 7-8`: where the missing messages are tells when they went. */
export function numberRanges(numbers: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    ranges.push(i === j ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return ranges.join(', ');
}

/** What the broker's dead-letter queue of the receiving group holds, for a failure message. */
async function brokerDeadLetters(options: MessagingChaosOptions): Promise<string> {
  if (options.connect === undefined) return 'not looked at';
  const transport = await options.connect();
  try {
    const letters = await transport.takeDeadLetters(
      { destination: commandsOf(RECEIVER), group: RECEIVER },
      { limit: 1_000 },
    );
    const reasons = [...new Set(letters.map((letter) => letter.reason))].slice(0, 3);
    return `${letters.length}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`;
  } catch (error) {
    return `unknown (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await transport.close();
  }
}

/** Every message number with its effect count, read in pages. */
async function effectCounts(store: Store): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  let after: string | undefined;
  for (;;) {
    const page = await store.documents.list<{ count: number }>(EFFECTS, {
      limit: 5_000,
      ...(after !== undefined && { after }),
    });
    for (const doc of page) counts.set(Number(doc.id), doc.data.count);
    if (page.length < 5_000) return counts;
    after = page.at(-1)!.id;
  }
}

export function messagingChaosConformance(name: string, options: MessagingChaosOptions): void {
  const total = options.messages ?? Number(process.env['WHIZBANG_MESSAGING_CHAOS_MESSAGES'] ?? 20_000);
  const downMs = options.brokerDownMs ?? Number(process.env['WHIZBANG_MESSAGING_CHAOS_DOWN_MS'] ?? 30_000);
  const timeoutMs = options.timeoutMs ?? 360_000;

  it(
    `${name}: ${total.toLocaleString('en-US')} messages through outbox, broker and inbox, with the broker down ${downMs / 1000} s and the relay killed twice, each applied once`,
    async () => {
      const store = await options.open();
      const nodes: Node[] = [];
      const start = (role: 'relay' | 'consumer') => {
        const node = startNode(options.command, role);
        nodes.push(node);
        return node;
      };
      const add = async (from: number, count: number) => {
        for (let i = 0; i < count; i += 1_000)
          await store.outbox.add(effects(from + i, Math.min(1_000, count - i)));
      };
      try {
        const consumer = start('consumer');
        let relay = start('relay');
        await Promise.all([consumer.started, relay.started]);
        const half = Math.floor(total / 2);
        await add(0, half);
        await sleep(1_000);
        await kill(relay); // first kill: mid-flight, holding claims
        relay = start('relay');
        await relay.started;
        await options.stopBroker();
        const downSince = Date.now();
        await add(half, total - half); // written while the broker is away
        await sleep(Math.min(3_000, downMs / 3));
        await kill(relay); // second kill: while publishes fail
        const startsWithoutBroker = options.startsWithoutBroker ?? true;
        if (startsWithoutBroker) {
          relay = start('relay');
          await relay.started;
        }
        await sleep(Math.max(0, downMs - (Date.now() - downSince)));
        await options.startBroker();
        if (!startsWithoutBroker) {
          relay = start('relay');
          await relay.started;
        }

        const missingFrom = (counts: Map<number, number>) =>
          Array.from({ length: total }, (_, n) => n).filter((n) => !counts.has(n));
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          if (consumer.child.exitCode !== null || consumer.child.signalCode !== null)
            throw new Error('the consumer process died');
          // Killed by the test: a signal; died on its own: an exit code.
          if (relay.child.exitCode !== null)
            throw new Error(`the relay process exited (${relay.child.exitCode})`);
          const done = (await effectCounts(store)).size;
          if (done >= total && (await store.outbox.list({ limit: 1 })).length === 0) break;
          if (Date.now() > deadline) {
            const waiting = (await store.outbox.list({ limit: 10_000 })).length;
            const missing = missingFrom(await effectCounts(store));
            throw new Error(
              `only ${done} of ${total} effects after ${timeoutMs} ms; ${waiting} still in the outbox; ` +
                `missing (messages are numbered in the order written, the second half while the broker was down): ` +
                `${numberRanges(missing.slice(0, 200))}; in the broker's dead letters: ${await brokerDeadLetters(options)}`,
            );
          }
          await sleep(500);
        }
        await sleep(1_000); // a late duplicate would show now
        const counts = await effectCounts(store);
        const missing = missingFrom(counts);
        const doubled = [...counts].filter(([, count]) => count !== 1);
        expect({ missing: numberRanges(missing.slice(0, 200)), doubled: doubled.slice(0, 10) }).toEqual({
          missing: '',
          doubled: [],
        });
        expect(counts.size).toBe(total);
        expect(await store.deadLetters.list({ limit: 5 })).toEqual([]);
      } finally {
        await Promise.all(nodes.map(kill));
        await options.startBroker().catch(() => undefined);
        await store.close();
      }
    },
    timeoutMs + downMs + 120_000,
  );
}

export interface PoisonMessageOptions {
  /** A new connection to the broker under test. */
  readonly connect: () => Promise<Transport> | Transport;
  /** Opens the store the service uses, migrated and empty. */
  readonly open: () => Promise<Store> | Store;
}

/**
 * A poison message on a real broker: its handler always throws. After the configured attempts
 * it is parked in the dead letters with its error, and the messages behind it are handled.
 */
export function poisonMessageConformance(name: string, options: PoisonMessageOptions): void {
  it(`${name}: a message whose handler always throws is dead-lettered after its retries and blocks nothing`, async () => {
    const store = await options.open();
    const transports = [await options.connect(), await options.connect()];
    const handled: number[] = [];
    let poisonAttempts = 0;
    const service = `poison-${Date.now().toString(36)}`;
    const receiver = whizbang({
      store,
      messaging: {
        transport: transports[0]!,
        service,
        prefetch: 1, // one at a time: the poison message is in front of the others
        retry: { maxAttempts: 4, initialDelayMs: 20, maxDelayMs: 100 },
      },
      handlers: [
        handle(ChaosEffect, async (command) => {
          if (command.data.n === 0) {
            poisonAttempts++;
            throw new Error('cannot process message 0');
          }
          handled.push(command.data.n);
        }),
      ],
    });
    const sender = whizbang({
      store,
      messaging: {
        transport: transports[1]!,
        service: `${service}-sender`,
        commandRoutes: { ChaosEffect: service },
      },
    });
    try {
      await receiver.start();
      await sender.start();
      for (let n = 0; n <= 20; n++) await sender.send(ChaosEffect({ n }));
      const deadline = Date.now() + 30_000;
      while (handled.length < 20 && Date.now() < deadline) await sleep(50);
      const [letter] = await store.deadLetters.list({ source: `messages/${service}` });
      expect(handled.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(poisonAttempts).toBe(4);
      expect(letter).toMatchObject({
        messageType: 'ChaosEffect',
        attempts: 4,
        error: { message: 'cannot process message 0' },
      });
      expect(await store.inbox.has(service, letter?.messageId ?? '')).toBe(true); // a redelivery will not run it again
    } finally {
      await sender.stop();
      await receiver.stop();
      await Promise.all(transports.map((t) => t.close()));
      await store.close();
    }
  }, 60_000);
}
