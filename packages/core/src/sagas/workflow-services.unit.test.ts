import { afterEach, describe, expect, it } from 'vitest';
import { whizbang, type WhizbangApp } from '../app/whizbang.js';
import { isValidationError } from '../errors/catalog.js';
import { memoryStore } from '../memory/memory-store.js';
import { handle } from '../mediator/handlers.js';
import { defineCommand, type } from '../messages/define.js';
import { MemoryBroker, memoryTransport } from '../transport/memory-transport.js';
import { defineWorkflow, workflowStep } from './define-workflow.js';

interface Order {
  readonly orderId: string;
  readonly quantity: number;
  readonly flagged?: boolean;
}
const PlaceOrder = defineCommand('PlaceOrder', { data: type<Order>() });
const ReserveStock = defineCommand('ReserveStock', {
  data: type<{ orderId: string; quantity: number }>(),
  result: type<{ reservation: string }>(),
});
const ReleaseStock = defineCommand('ReleaseStock', { data: type<{ reservation: string }>() });
const RecordOrder = defineCommand('RecordOrder', { data: type<Order>() });

const placeOrder = defineWorkflow({
  name: 'place-order',
  command: PlaceOrder,
  steps: [
    workflowStep('stock', ReserveStock, (o: Order) => ({ orderId: o.orderId, quantity: o.quantity }), {
      command: ReleaseStock,
      data: (_o, reserved) => ({ reservation: reserved.reservation }),
    }),
    workflowStep('record', RecordOrder, (o: Order) => o),
  ],
});

const apps: WhizbangApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

async function twoServices() {
  const broker = new MemoryBroker();
  const stock = { left: 10, log: [] as string[] };
  const recorded: string[] = [];
  const retry = { maxAttempts: 2, initialDelayMs: 5 };
  const relay = { pollIntervalMs: 20 };
  const inventory = whizbang({
    store: memoryStore(),
    messaging: { transport: memoryTransport({ broker }), service: 'inventory', retry, relay },
    handlers: [
      handle(ReserveStock, (c) => {
        stock.left -= c.data.quantity;
        stock.log.push(`reserve ${c.data.orderId}`);
        return { reservation: `r-${c.data.orderId}` };
      }),
      handle(ReleaseStock, (c) => void stock.log.push(`release ${c.data.reservation}`)),
    ],
  });
  const orders = whizbang({
    store: memoryStore(),
    messaging: {
      transport: memoryTransport({ broker }),
      service: 'orders',
      commandRoutes: { ReserveStock: 'inventory', ReleaseStock: 'inventory' },
      retry,
      relay,
    },
    workflows: [placeOrder], // 'auto': a step is another service's, so it runs as a saga
    handlers: [
      handle(RecordOrder, (c) => {
        if (c.data.flagged) throw new Error(`order ${c.data.orderId} is flagged`);
        recorded.push(c.data.orderId);
      }),
    ],
  });
  apps.push(inventory, orders);
  await inventory.start();
  await orders.start();
  return { orders, stock, recorded };
}

async function settled(app: WhizbangApp, id: string) {
  for (let i = 0; i < 400; i++) {
    const instance = await app.sagaInstance(placeOrder.saga, id);
    if (instance && instance.status !== 'active') return instance;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`workflow ${id} did not finish`);
}

describe('a workflow across two services', () => {
  it('falls back to a saga: each step waits for the reply from the service that ran it', async () => {
    const { orders, stock, recorded } = await twoServices();
    await orders.send(PlaceOrder({ orderId: 'o-1', quantity: 3 }, { id: 'o-1' }));
    expect(await settled(orders, 'o-1')).toMatchObject({
      status: 'completed',
      state: { results: { stock: { reservation: 'r-o-1' } } },
    });
    expect(recorded).toEqual(['o-1']);
    expect(stock).toMatchObject({ left: 7, log: ['reserve o-1'] });
  });

  it('undoes the other service’s step when a later one fails', async () => {
    const { orders, stock, recorded } = await twoServices();
    await orders.send(PlaceOrder({ orderId: 'o-2', quantity: 2, flagged: true }, { id: 'o-2' }));
    expect(await settled(orders, 'o-2')).toMatchObject({
      status: 'compensated',
      failure: { reason: "step 'record' failed: order o-2 is flagged" },
    });
    for (let i = 0; i < 200 && stock.log.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(stock.log).toEqual(['reserve o-2', 'release r-o-2']);
    expect(recorded).toEqual([]);
  });

  it('refuses to run as one unit of work what spans services', () => {
    let error: unknown;
    try {
      whizbang({
        store: memoryStore(),
        messaging: {
          transport: memoryTransport(),
          service: 'orders',
          commandRoutes: { ReserveStock: 'inventory' },
        },
        workflows: [placeOrder],
        transactionStrategy: { PlaceOrder: 'unit-of-work' },
      });
    } catch (caught) {
      error = caught;
    }
    expect(isValidationError(error)).toBe(true);
    expect((error as Error).message).toMatch(/ReserveStock is handled by another service/);
  });
});
