import { transportConformance } from '@whizbang/testing/conformance';
import { MemoryBroker, memoryTransport } from './memory-transport.js';

const broker = new MemoryBroker();
transportConformance('memory', { connect: () => memoryTransport({ broker }), redeliveryTimeoutMs: 100 });
