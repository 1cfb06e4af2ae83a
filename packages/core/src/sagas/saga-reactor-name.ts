/** Sagas hear the log through reactors named `saga.<saga name>`. */
export const SAGA_REACTOR_PREFIX = 'saga.';
