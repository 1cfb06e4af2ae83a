/**
 * The orders service's main job: `npm start` from the repository root. Until the SQLite
 * driver and the HTTP edge land it runs a scripted journey on the in-memory store and exits.
 */
import { memoryStore } from '@whizbang/core';
import { createOrdersApp } from './app/create-app.js';
import { runDemo } from './demo/run-demo.js';

const store = memoryStore();
const app = createOrdersApp({ store });
try {
  await app.start();
  await runDemo({ app });
} catch (error) {
  console.error('The demo failed:', error);
  process.exitCode = 1;
} finally {
  await app.stop();
  await store.close();
}
