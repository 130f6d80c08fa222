/**
 * Turning the event loop while a long loop on this thread waits for workers,
 * so their messages are handled without giving up a whole timer tick.
 *
 * @example
 * ```ts
 * const turns = new EventLoopTurns();
 * try {
 *   await turns.next(); // messages that arrived meanwhile have been handled
 * } finally {
 *   turns.close();
 * }
 * ```
 * @module
 */

/**
 * Lets the event loop turn once, about 40 µs: a message to oneself. A timer
 * would do the same but waits at least a millisecond (several, nested).
 */
export class EventLoopTurns {
  readonly #channel = new MessageChannel();
  #resolve = () => {};

  constructor() {
    this.#channel.port1.onmessage = () => this.#resolve();
  }

  /** Resolves after the event loop has turned once. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#channel.port2.postMessage(null);
    });
  }

  /** Closes both ports; call it when the waiting is over. */
  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
  }
}
