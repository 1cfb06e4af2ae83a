/** @whizbang/nats: placeholder until the transport lands. */
export {};
