/** The simulated payment service: its messages, and the handlers and sagas that run it. */
export {
  CancelPayment,
  ChargePayment,
  PAYMENT_COMMANDS,
  PAYMENT_OUTCOMES,
  PAYMENTS_SERVICE,
  PaymentCharged,
  PaymentDeclined,
  PaymentRefunded,
  PaymentRequested,
  paymentStream,
  PaymentVoided,
  SettlePayment,
  type PaymentEvent,
} from './payment-messages.js';
export { payment, type PaymentState, type PaymentStatus } from './payment.js';
export {
  PaymentGatewayUnavailableError,
  simulatedGateway,
  type GatewayAnswer,
  type SimulatedGateway,
  type SimulatedGatewayOptions,
} from './simulated-gateway.js';
export { gatewayAnswers } from './gateway-answers.js';
export { paymentService, type PaymentService, type PaymentServiceOptions } from './payment-service.js';
export { numberFrom, paymentOptionsFromEnv } from './payment-env.js';
export { createPaymentsApp, type PaymentsAppOptions } from './payments-app.js';
