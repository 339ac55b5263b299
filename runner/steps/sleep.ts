/**
 * `sleep`: wait a fixed time (cancelled with the run).
 *
 * @module
 */

import { aborted } from "../channels/channel.ts";
import { Deadline } from "../deadline.ts";
import type { SleepStep } from "../suite.ts";
import { type StepContext, StepFailedError } from "./context.ts";

/**
 * Runs a `sleep` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runSleep(step: SleepStep, context: StepContext): Promise<void> {
  using deadline = new Deadline(step.duration, [context.runSignal]);
  await aborted(deadline.signal);
  if (context.runSignal.aborted) {
    throw new StepFailedError({ reason: "aborted", message: "Run cancelled" });
  }
}
