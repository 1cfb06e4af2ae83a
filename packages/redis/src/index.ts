/** @whizbang/redis: placeholder until the transport lands. */
export {};
