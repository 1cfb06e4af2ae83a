import { storeConformance } from '@whizbang/testing/conformance';
import { memoryStore } from './memory-store.js';

storeConformance('memory', (options) => memoryStore(options));
