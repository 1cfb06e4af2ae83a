/**
 * The `default` of an exhaustive `switch` over a message union. If a new command or event is
 * added to the union and not handled, `message` is no longer `never` and the build fails.
 */
export function unreachable(message: never): never {
  throw new TypeError(`Unexpected message type '${String((message as { type?: unknown }).type)}'`);
}
