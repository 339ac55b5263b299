/**
 * A step's deadline: an abort signal that fires after a timeout or when the
 * run is cancelled, and whose timer is cleared as soon as the step is done.
 *
 * `AbortSignal.timeout` cannot be cleared: a run of thousands of short steps
 * would leave thousands of live timers (and `AbortSignal.any` bookkeeping)
 * behind it, which costs more than the steps themselves.
 *
 * @module
 */

/** The longest timer: 2^31-1 ms; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * An abort signal for one step, cleared with `using` or `clear()`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Deadline } from "./deadline.ts";
 * using deadline = new Deadline(1000);
 * assert(!deadline.signal.aborted);
 * ```
 */
export class Deadline implements Disposable {
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #parents: readonly AbortSignal[];
  readonly #onParentAbort: (event: Event) => void;

  /**
   * Starts the timer.
   *
   * @param ms Milliseconds until the signal aborts with a `TimeoutError`.
   * @param parents Signals that abort this one too (the run's, the program under test's).
   * @param reason Makes the abort reason when the time is up.
   * @throws {RangeError} When `ms` is negative or too large for a timer.
   */
  constructor(
    ms: number,
    parents: readonly (AbortSignal | undefined)[] = [],
    reason: () => unknown = () => new DOMException(`Timed out after ${ms}ms`, "TimeoutError"),
  ) {
    if (!(ms >= 0 && ms <= MAX_TIMER_MS)) {
      // Timers past 2^31-1 ms fire at once: validation keeps durations far below this.
      throw new RangeError(`Invalid deadline "${ms}ms": expected 0 to ${MAX_TIMER_MS}ms`);
    }
    const controller = this.#controller;
    this.#timer = setTimeout(() => controller.abort(reason()), ms);
    this.#onParentAbort = (event) => controller.abort((event.target as AbortSignal).reason);
    this.#parents = parents.filter((parent): parent is AbortSignal => parent !== undefined);
    for (const parent of this.#parents) {
      if (parent.aborted) {
        controller.abort(parent.reason);
        break;
      }
      parent.addEventListener("abort", this.#onParentAbort, { once: true });
    }
  }

  /** Aborts when the time is up or the parent aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Stops the timer and detaches from the parent; safe to call twice. */
  clear(): void {
    clearTimeout(this.#timer);
    for (const parent of this.#parents) parent.removeEventListener("abort", this.#onParentAbort);
  }

  /** Same as {@linkcode Deadline.clear}. */
  [Symbol.dispose](): void {
    this.clear();
  }
}
