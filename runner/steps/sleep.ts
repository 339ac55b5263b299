/**
 * `sleep`: wait a fixed time (cancelled with the run).
 *
 * @module
 */

import { aborted } from "../channels/channel.ts";
import { Deadline } from "../deadline.ts";
import { type StepContext, StepFailedError } from "./context.ts";
import { type ActionInput, type DecodeKit, UNSCALED } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import { described, DURATION, type JsonSchema } from "../decode/schema_types.ts";

/** `sleep`: wait a fixed time. */
export interface SleepStep extends StepBase {
  /** The action. */
  readonly action: "sleep";
  /** How long, in milliseconds. */
  readonly duration: number;
}

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

const SLEEP_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  duration: described(DURATION, "How long to wait"),
};
const SLEEP_KEYS = Object.keys(SLEEP_OPTIONS);

/** Decodes a `sleep` step as written. */
function decodeSleep(input: ActionInput, kit: DecodeKit): SleepStep | undefined {
  const { options, base, place } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, SLEEP_KEYS, place, `"sleep"`);
  const duration = kit.duration(
    options.duration,
    kit.at(place, options, "duration"),
    `"sleep"`,
    UNSCALED,
  );
  return duration === undefined
    ? undefined
    : { ...base, action: "sleep", duration, timeout: undefined };
}

/** The `sleep` action. */
export const sleepAction: ActionSpec<SleepStep> = {
  action: "sleep",
  shorthand: "duration",
  options: SLEEP_OPTIONS,
  summary: "Waits a fixed time; prefer expect, which wakes when bytes arrive.",
  decode: decodeSleep,
  run: runSleep,
};
