/**
 * Who may send what to the orders app, in process: the role map (an admin may do everything, a
 * customer browse, order and read), the ownership policies (a customer's own customer id and
 * orders only), and the sagas' commands, which carry a customer's principal and pass.
 */
import {
  isForbiddenError,
  isUnauthenticatedError,
  jsonLogger,
  memoryStore,
  type Command,
  type DispatchOptions,
  type Principal,
  type Query,
  type Store,
  type WhizbangApp,
} from '@whizbang/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { CustomerId, OrderId, ProductId } from '../domain/ids.js';
import {
  AbandonOrder,
  AddProduct,
  AddStock,
  adminPrincipal,
  CancelOrder,
  ConfirmOrder,
  ConfirmPaidOrder,
  createOrdersApp,
  customerPrincipal,
  DeliverOrder,
  ExpireOrder,
  GetCustomer,
  GetJourney,
  GetOrder,
  GetProduct,
  GetProductSales,
  ListCustomerOrders,
  ListOrders,
  PlaceOrder,
  RegisterCustomer,
  ShipOrder,
} from './index.js';

const ada = CustomerId.from('ada');
const grace = CustomerId.from('grace');
const mug = ProductId.from('mug');
const backOffice = adminPrincipal('back-office');

let store: Store;
let app: WhizbangApp;
let denials: Record<string, unknown>[];
let adasOrder: OrderId;
let adasOtherOrder: OrderId;

beforeEach(async () => {
  store = memoryStore();
  denials = [];
  const logger = jsonLogger({
    level: 'warn',
    write: (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry['event'] === 'whizbang.authorization.denied') denials.push(entry);
    },
  });
  app = createOrdersApp({ store, logger });
  const admin = { principal: backOffice };
  await app.send(RegisterCustomer({ customerId: ada, name: 'Ada', creditLimitCents: 100_00 }), admin);
  await app.send(RegisterCustomer({ customerId: grace, name: 'Grace', creditLimitCents: 100_00 }), admin);
  await app.send(AddProduct({ productId: mug, name: 'Mug', priceCents: 12_00, stock: 10 }), admin);
  [adasOrder, adasOtherOrder] = [OrderId(), OrderId()];
  for (const orderId of [adasOrder, adasOtherOrder])
    await app.send(PlaceOrder({ orderId, customerId: ada, items: [{ productId: mug, quantity: 1 }] }), {
      principal: customerPrincipal(ada),
    });
});

/** A command or query, and how to send it. */
interface Request {
  readonly type: string;
  readonly run: (options: DispatchOptions) => Promise<unknown>;
}
const command = (message: Command): Request => ({ type: message.type, run: (o) => app.send(message, o) });
const query = (message: Query): Request => ({ type: message.type, run: (o) => app.query(message, o) });

/** What sending `request` as `principal` comes to: 'ok', or the refusal and its permission or policy. */
async function outcome(request: Request, principal: Principal | undefined): Promise<string> {
  try {
    await request.run(principal === undefined ? {} : { principal });
    return 'ok';
  } catch (error) {
    if (isForbiddenError(error)) return `forbidden: ${error.permission ?? error.policy}`;
    if (isUnauthenticatedError(error)) return 'unauthenticated';
    throw error;
  }
}

const head = async () => (await store.events.readHeadPosition()).position;

describe('the orders roles', () => {
  /** What only the back office may send, each with the permission a customer lacks. */
  const backOfficeOnly = (): [Request, string][] => [
    [
      command(RegisterCustomer({ customerId: CustomerId.from('linus'), name: 'Linus', creditLimitCents: 1 })),
      'customers:register',
    ],
    [
      command(AddProduct({ productId: ProductId.from('lamp'), name: 'Lamp', priceCents: 1, stock: 1 })),
      'products:add',
    ],
    [command(AddStock({ productId: mug, quantity: 1 })), 'products:restock'],
    [query(GetProductSales({ productId: mug })), 'products:sales'],
    [query(ListOrders({})), 'orders:list'],
    [command(ConfirmOrder({ orderId: adasOrder })), 'orders:confirm'],
    [command(ShipOrder({ orderId: adasOrder, trackingNumber: '1Z' })), 'orders:ship'],
    [command(DeliverOrder({ orderId: adasOrder })), 'orders:deliver'],
    [command(CancelOrder({ orderId: adasOtherOrder, reason: 'changed my mind' })), 'orders:cancel'],
    [query(GetJourney({ correlationId: adasOrder })), 'journeys:read'],
  ];

  it('keep a customer out of the back office, even for their own order, and write nothing', async () => {
    const before = await head();
    for (const [message, permission] of backOfficeOnly())
      expect(`${message.type}: ${await outcome(message, customerPrincipal(ada))}`).toBe(
        `${message.type}: forbidden: ${permission}`,
      );
    expect(await head()).toBe(before);
    // Each refusal is audited, once, in the app's log.
    expect(
      denials.map(({ messageType, principalId, permission }) => ({ messageType, principalId, permission })),
    ).toEqual(
      backOfficeOnly().map(([message, permission]) => ({
        messageType: message.type,
        principalId: 'ada',
        permission,
      })),
    );
  });

  it('let an admin send all of it', async () => {
    for (const [message] of backOfficeOnly())
      expect(`${message.type}: ${await outcome(message, backOffice)}`).toBe(`${message.type}: ok`);
  });

  it('make nobody a customer by default: a principal without a role, or none, gets nothing', async () => {
    const nobody = { id: 'ada' }; // the right subject, but no role
    const browse = query(GetProduct({ productId: mug }));
    expect(await outcome(browse, nobody)).toBe('forbidden: products:read');
    expect(await outcome(query(GetOrder({ orderId: adasOrder })), nobody)).toBe('forbidden: orders:read');
    expect(await outcome(browse, undefined)).toBe('unauthenticated');
    expect(await outcome(browse, { id: 'ada', roles: ['shopper'] })).toBe('forbidden: products:read');
  });
});

describe('a customer and their own', () => {
  const asAda = customerPrincipal(ada);
  const asGrace = customerPrincipal(grace);

  it('browses the catalogue, and reads their own record and orders', async () => {
    expect(await app.query(GetProduct({ productId: mug }), { principal: asAda })).toMatchObject({ stock: 8 });
    expect(await app.query(GetCustomer({ customerId: ada }), { principal: asAda })).toMatchObject({
      reservedCents: 24_00,
    });
    expect(await app.query(GetOrder({ orderId: adasOrder }), { principal: asAda })).toMatchObject({
      customerId: ada,
    });
    const listed = await app.query(ListCustomerOrders({ customerId: ada }), { principal: asAda });
    expect(listed?.orders.map((o) => o.orderId).toSorted()).toEqual([adasOrder, adasOtherOrder].toSorted());
  });

  it("never reads another customer's order, record or order list", async () => {
    expect(await outcome(query(GetOrder({ orderId: adasOrder })), asGrace)).toBe('forbidden: own order');
    expect(await outcome(query(GetCustomer({ customerId: ada })), asGrace)).toBe('forbidden: own customer');
    expect(await outcome(query(ListCustomerOrders({ customerId: ada })), asGrace)).toBe(
      'forbidden: own customer',
    );
    expect(denials.at(0)).toMatchObject({
      messageType: 'GetOrder',
      principalId: 'grace',
      policy: 'own order',
      reason: "another customer's order",
    });
  });

  it('gets null for an order that does not exist: the policy has nothing to guard', async () => {
    expect(await app.query(GetOrder({ orderId: OrderId() }), { principal: asGrace })).toBeNull();
    expect(denials).toEqual([]);
  });

  it('places orders for themselves only, and a refused one writes nothing', async () => {
    const before = await head();
    const forAda = command(
      PlaceOrder({ orderId: OrderId(), customerId: ada, items: [{ productId: mug, quantity: 1 }] }),
    );
    expect(await outcome(forAda, asGrace)).toBe('forbidden: own customer');
    expect(await head()).toBe(before);
    expect(await outcome(forAda, asAda)).toBe('ok');
  });

  it('is no limit for an admin, who acts for every customer', async () => {
    const admin = { principal: backOffice };
    expect(await app.query(GetOrder({ orderId: adasOrder }), admin)).toMatchObject({ customerId: ada });
    expect(await app.query(GetCustomer({ customerId: ada }), admin)).toMatchObject({ name: 'Ada' });
    expect((await app.query(ListCustomerOrders({ customerId: ada }), admin))?.orders).toHaveLength(2);
    const forGrace = command(
      PlaceOrder({ orderId: OrderId(), customerId: grace, items: [{ productId: mug, quantity: 1 }] }),
    );
    expect(await outcome(forGrace, backOffice)).toBe('ok');
  });
});

describe("the sagas' own commands", () => {
  it('run as the customer who placed the order, who could not confirm or cancel it by hand', async () => {
    const asAda = customerPrincipal(ada);
    const [paid, abandoned, expired] = [OrderId(), OrderId(), OrderId()];
    for (const orderId of [paid, abandoned, expired])
      await app.send(PlaceOrder({ orderId, customerId: ada, items: [{ productId: mug, quantity: 1 }] }), {
        principal: asAda,
      });
    await app.send(ConfirmPaidOrder({ orderId: paid }), { principal: asAda });
    await app.send(AbandonOrder({ orderId: abandoned, reason: 'payment declined' }), { principal: asAda });
    await app.send(ExpireOrder({ orderId: expired })); // a timeout may carry no principal at all
    const statusOf = async (orderId: OrderId) =>
      (await app.query(GetOrder({ orderId }), { principal: asAda }))?.status;
    expect([await statusOf(paid), await statusOf(abandoned), await statusOf(expired)]).toEqual([
      'confirmed',
      'cancelled',
      'cancelled',
    ]);
    expect(denials).toEqual([]);
  });
});
