/**
 * @whizbang/redis: the Whizbang transport on Redis Streams. A destination is a stream, a
 * subscription a consumer group; entries left by a dead consumer are taken over after an idle
 * time, dead letters go to a stream per subscription. Passes the same transport conformance
 * suite as every transport.
 * @module
 */
export { redisTransport, RedisTransport } from './redis-transport.js';
export type { RedisTransportOptions } from './config.js';
