/**
 * Why a run stopped early, carried as the run signal's abort reason, so that
 * the running scenario and those not run yet say the same thing.
 *
 * @module
 */

import { Deadline } from "./deadline.ts";
import { formatDuration } from "./duration.ts";
import type { FailureReason } from "./result.ts";

/** The run was stopped by a signal: Ctrl-C (SIGINT), SIGTERM or SIGHUP. */
export class RunInterruptedError extends Error {
  /** The signal. */
  readonly signal: Deno.Signal;

  /**
   * Creates the reason.
   *
   * @param signal The signal received.
   */
  constructor(signal: Deno.Signal) {
    super(`Interrupted by ${signal}`);
    this.name = "RunInterruptedError";
    this.signal = signal;
  }
}

/** The run's wall-clock limit (`--max-time`, or a suite's `max_time`) passed. */
export class RunTimeLimitError extends Error {
  /** The limit, in milliseconds. */
  readonly limit: number;

  /**
   * Creates the reason.
   *
   * @param limit The limit, in milliseconds.
   * @param source `--max-time` or `max_time`.
   */
  constructor(limit: number, source: string) {
    super(`The run's time limit of ${formatDuration(limit)} (${source}) ran out`);
    this.name = "RunTimeLimitError";
    this.limit = limit;
  }
}

/**
 * What a stopped run tells the scenario it stopped, and those it did not run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { RunInterruptedError, stopOutcome } from "./stop_reason.ts";
 * assertEquals(stopOutcome(new RunInterruptedError("SIGTERM")), {
 *   reason: "interrupted",
 *   message: "Interrupted by SIGTERM",
 *   notRun: "not run: interrupted by SIGTERM",
 * });
 * ```
 *
 * @param reason The run signal's abort reason.
 * @returns The failure reason and message, and the note of a scenario not run.
 */
export function stopOutcome(
  reason: unknown,
): { reason: FailureReason; message: string; notRun: string } {
  if (reason instanceof RunInterruptedError) {
    return {
      reason: "interrupted",
      message: reason.message,
      notRun: `not run: interrupted by ${reason.signal}`,
    };
  }
  if (reason instanceof RunTimeLimitError) {
    return {
      reason: "timeout",
      message: reason.message,
      notRun: `not run: ${reason.message.replace(/^The/, "the")}`,
    };
  }
  return { reason: "aborted", message: "Run cancelled", notRun: "run cancelled" };
}

/** Options for {@linkcode withinTimeLimit}. */
export interface TimeLimitOptions {
  /** The limit in milliseconds; none when undefined. */
  limit: number | undefined;
  /** What set it, for the message: `--max-time` or `max_time`. */
  source: string;
  /**
   * The signal the limit joins.
   *
   * @default {undefined}
   */
  signal?: AbortSignal | undefined;
}

/**
 * Runs `work` with a signal that also aborts, with a {@linkcode RunTimeLimitError},
 * once the limit passes; the timer is cleared when `work` ends.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { withinTimeLimit } from "./stop_reason.ts";
 * const aborted = await withinTimeLimit(
 *   (signal) => Promise.resolve(signal?.aborted),
 *   { limit: 1000, source: "--max-time" },
 * );
 * assertEquals(aborted, false);
 * ```
 *
 * @param work What to run, given the signal to honour.
 * @param options The limit, its source and the signal it joins.
 * @returns What `work` returned.
 */
export async function withinTimeLimit<T>(
  work: (signal: AbortSignal | undefined) => Promise<T>,
  options: TimeLimitOptions,
): Promise<T> {
  const { limit, source, signal } = options;
  if (limit === undefined) return await work(signal);
  using deadline = new Deadline(limit, [signal], () => new RunTimeLimitError(limit, source));
  return await work(deadline.signal);
}
