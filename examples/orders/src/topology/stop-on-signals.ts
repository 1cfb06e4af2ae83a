/**
 * How every process of the service stops: the first SIGINT or SIGTERM finishes the work in hand
 * and stops cleanly; a second one, while that runs, stops at once.
 */

export interface StopOnSignalsOptions {
  /** What stopping does, said when the first signal comes: `finishing the requests in flight, then stopping`. */
  readonly stopping: string;
  /** Finishes the work and closes what the process opened. */
  readonly stop: () => Promise<void>;
}

/**
 * @example
 * stopOnSignals({ stopping: 'finishing the requests in flight, then stopping', stop: () => node.close() });
 */
export function stopOnSignals(options: StopOnSignalsOptions): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} again: stopping at once.`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: ${options.stopping}.`);
    options.stop().then(
      () => console.log('Stopped.'),
      (error: unknown) => {
        console.error('Stopping failed:', error);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
