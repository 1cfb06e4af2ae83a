/** An order's payment, folded from its events: where it stands, and how much it is for. */
import { unreachable } from '../domain/unreachable.js';
import type { PaymentEvent } from './payment-messages.js';

export type PaymentStatus = 'none' | 'requested' | 'charged' | 'declined' | 'refunded' | 'voided';

export interface PaymentState {
  readonly status: PaymentStatus;
  readonly customerId?: string;
  readonly amountCents: number;
}

export const payment = {
  initialState: (): PaymentState => ({ status: 'none', amountCents: 0 }),
  evolve(state: PaymentState, event: PaymentEvent): PaymentState {
    switch (event.type) {
      case 'PaymentRequested':
        return { status: 'requested', ...event.data };
      case 'PaymentCharged':
        return { ...state, status: 'charged', amountCents: event.data.amountCents };
      case 'PaymentDeclined':
        return { ...state, status: 'declined', amountCents: event.data.amountCents };
      case 'PaymentRefunded':
        return { ...state, status: 'refunded' };
      case 'PaymentVoided':
        return { ...state, status: 'voided' };
      default:
        return unreachable(event);
    }
  },
};
