/**
 * @whizbang/rabbitmq: the Whizbang transport on RabbitMQ, through amqplib. Durable fanout
 * exchanges and quorum queues, publisher confirms, a dead-letter queue per subscription, and a
 * connection that recovers by itself. Passes the same conformance suite as every transport.
 * @module
 */
export { rabbitmqTransport, RabbitMqTransport } from './rabbitmq-transport.js';
export type { RabbitMqTransportOptions } from './config.js';
