/**
 * @whizbang/nats: the Whizbang transport on NATS JetStream. Destinations are streams, groups
 * are durable pull consumers, publishes wait for the server's PubAck and are de-duplicated on
 * the message id, deliveries are acked explicitly and redelivered when a consumer dies.
 * Passes the same conformance suite as every transport.
 * @module
 */
export { natsTransport, NatsTransport } from './nats-transport.js';
export { LazyNatsTransport } from './lazy-nats-transport.js';
export type { NatsTransportOptions } from './config.js';
export { NatsUnavailableError } from './errors.js';
export { Names } from './names.js';
