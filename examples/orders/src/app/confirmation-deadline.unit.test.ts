// oxlint-disable vitest/expect-expect -- SagaSpec's checks are the assertions: each rejects on failure
import { memoryStore } from '@whizbang/core';
import { SagaSpec } from '@whizbang/testing';
import { describe, expect, it } from 'vitest';
import { CustomerId, OrderId, ProductId } from '../domain/ids.js';
import { OrderCancelled, OrderConfirmed, OrderPlaced } from '../domain/order-messages.js';
import {
  AddProduct,
  adminPrincipal,
  confirmationDeadline,
  ConfirmOrder,
  createOrdersApp,
  customerPrincipal,
  ExpireOrder,
  GetOrder,
  GetProduct,
  PlaceOrder,
  RegisterCustomer,
} from './index.js';

const orderId = OrderId.from('o-1');
const placed = OrderPlaced({ orderId, customerId: CustomerId.from('ada'), items: [], totalCents: 12_00 });
const deadline = confirmationDeadline(60_000);

describe('the confirmation deadline saga', () => {
  it('starts its clock when an order is placed', async () => {
    await SagaSpec.for(deadline).given([]).when(placed).thenRequestsTimeout('confirmation');
    await SagaSpec.for(deadline).given([]).when(placed).thenState({ totalCents: 12_00 });
  });

  it('ends when the order is confirmed or cancelled in time', async () => {
    await SagaSpec.for(deadline).given([placed]).when(OrderConfirmed({ orderId })).thenCompletes();
    await SagaSpec.for(deadline)
      .given([placed])
      .when(OrderCancelled({ orderId, reason: 'changed my mind' }))
      .thenCompletes();
  });

  it('expires the order when the deadline passes first', async () => {
    await SagaSpec.for(deadline)
      .given([placed])
      .whenTimeout('confirmation')
      .thenSends([ExpireOrder({ orderId })]);
    await SagaSpec.for(deadline)
      .given([placed, OrderConfirmed({ orderId })])
      .when(placed)
      .thenIgnores();
  });

  it('expires only orders nobody confirmed, giving their stock back', async () => {
    const app = createOrdersApp({ store: memoryStore(), confirmWithinMs: 60 });
    const ada = CustomerId.from('ada');
    const mug = ProductId.from('mug');
    const backOffice = { principal: adminPrincipal('back-office') };
    await app.send(RegisterCustomer({ customerId: ada, name: 'Ada', creditLimitCents: 100_00 }), backOffice);
    await app.send(AddProduct({ productId: mug, name: 'Mug', priceCents: 12_00, stock: 10 }), backOffice);
    await app.start();
    try {
      const [kept, forgotten] = [OrderId.from('kept'), OrderId.from('forgotten')];
      for (const id of [kept, forgotten])
        await app.send(
          PlaceOrder({ orderId: id, customerId: ada, items: [{ productId: mug, quantity: 2 }] }),
          // The deadline's ExpireOrder carries Ada's principal, which may not cancel by hand.
          { principal: customerPrincipal(ada) },
        );
      await app.send(ConfirmOrder({ orderId: kept }), backOffice);
      for (let i = 0; i < 200; i++) {
        if ((await app.query(GetOrder({ orderId: forgotten }), backOffice))?.status === 'cancelled') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 150)); // long past the kept order's deadline too
      expect(await app.query(GetOrder({ orderId: forgotten }), backOffice)).toMatchObject({
        status: 'cancelled',
        cancelReason: 'not confirmed in time',
      });
      expect(await app.query(GetOrder({ orderId: kept }), backOffice)).toMatchObject({ status: 'confirmed' });
      expect((await app.query(GetProduct({ productId: mug }), backOffice))?.stock).toBe(8);
      // Sagas are found by name: this definition stands for the app's own.
      expect(await app.sagaInstance(deadline, kept)).toMatchObject({ status: 'completed', timeouts: {} });
      expect(await app.sagaInstance(deadline, forgotten)).toMatchObject({ status: 'completed', steps: 2 });
    } finally {
      await app.stop();
    }
  });
});
