/** Confirm, ship and deliver: each touches one order stream, so `handleCommand` does it all. */
import { handle, handleCommand } from '@whizbang/core';
import { orderStream } from '../domain/ids.js';
import { ConfirmOrder, DeliverOrder, ShipOrder } from '../domain/order-messages.js';
import { orderDecider } from '../domain/order.js';

export { ConfirmOrder, DeliverOrder, ShipOrder };

export const confirmOrder = handle(ConfirmOrder, async (command, ctx) => {
  await handleCommand(ctx, orderStream(command.data.orderId), orderDecider, command);
});

export const shipOrder = handle(ShipOrder, async (command, ctx) => {
  await handleCommand(ctx, orderStream(command.data.orderId), orderDecider, command);
});

export const deliverOrder = handle(DeliverOrder, async (command, ctx) => {
  await handleCommand(ctx, orderStream(command.data.orderId), orderDecider, command);
});
