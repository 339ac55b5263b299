/**
 * Wakes waiters when something changes: the one mechanism behind every wait
 * on received bytes, so no wait ever polls.
 *
 * @module
 */

/**
 * Lets any number of waiters sleep until {@linkcode Notifier.notify} or
 * their signal aborts.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Notifier } from "./notifier.ts";
 * const changed = new Notifier();
 * const waiting = changed.wait(AbortSignal.timeout(1000));
 * changed.notify();
 * await waiting;
 * assert(true);
 * ```
 */
export class Notifier {
  readonly #waiters = new Set<() => void>();

  /**
   * Resolves at the next notification, or when `signal` aborts.
   *
   * @param signal Ends the wait early.
   * @returns A promise that never rejects.
   */
  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Wakes every current waiter. */
  notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
