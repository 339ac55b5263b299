/**
 * `exit`: wait for a spawned process to exit with a code.
 *
 * @module
 */

import { untilAborted } from "../channels/channel.ts";
import { ProcessChannel } from "../channels/process.ts";
import { describeExit } from "../process.ts";
import type { ExitStep } from "../suite.ts";
import { channelNamed, type StepContext, StepFailedError, waitTimedOut } from "./context.ts";

/**
 * Runs an `exit` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runExit(step: ExitStep, context: StepContext): Promise<void> {
  const channel = channelNamed(context, step.on);
  if (!(channel instanceof ProcessChannel)) {
    throw new StepFailedError({
      reason: "error",
      channel: step.on,
      message: `"${step.on}" is not a process`,
    });
  }
  const exit = await untilAborted(channel.process.exited, context.signal);
  if (exit === undefined) {
    throw waitTimedOut(context, step.on, `"${step.on}" to exit; it is still running`);
  }
  if (exit.code !== step.code || exit.signal !== null) {
    throw new StepFailedError({
      reason: "mismatch",
      channel: step.on,
      message: `Expected "${step.on}" to exit with code ${step.code}, but it ${describeExit(exit)}`,
    });
  }
}
