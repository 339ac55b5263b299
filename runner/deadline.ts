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
  readonly #parent: AbortSignal | undefined;
  readonly #onParentAbort: (() => void) | undefined;

  /**
   * Starts the timer.
   *
   * @param ms Milliseconds until the signal aborts with a `TimeoutError`.
   * @param parent A signal that aborts this one too (the run's).
   */
  constructor(ms: number, parent?: AbortSignal) {
    const controller = this.#controller;
    this.#timer = setTimeout(() => {
      controller.abort(new DOMException(`Timed out after ${ms}ms`, "TimeoutError"));
    }, ms);
    if (parent !== undefined) {
      if (parent.aborted) {
        controller.abort(parent.reason);
      } else {
        this.#parent = parent;
        this.#onParentAbort = () => controller.abort(parent.reason);
        parent.addEventListener("abort", this.#onParentAbort, { once: true });
      }
    }
  }

  /** Aborts when the time is up or the parent aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Stops the timer and detaches from the parent; safe to call twice. */
  clear(): void {
    clearTimeout(this.#timer);
    if (this.#onParentAbort !== undefined) {
      this.#parent?.removeEventListener("abort", this.#onParentAbort);
    }
  }

  /** Same as {@linkcode Deadline.clear}. */
  [Symbol.dispose](): void {
    this.clear();
  }
}
