/** @whizbang/rabbitmq: placeholder until the transport lands. */
export {};
