/**
 * `send`: write bytes to a connection.
 *
 * @module
 */

import { SendError } from "../channels/channel.ts";
import type { SendStep } from "../suite.ts";
import { channelNamed, payloadBytes, type StepContext, StepFailedError } from "./context.ts";

/**
 * Runs a `send` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runSend(step: SendStep, context: StepContext): Promise<void> {
  const channel = channelNamed(context, step.on);
  const bytes = payloadBytes(context, step.payload);
  try {
    await channel.send(bytes, context.signal);
  } catch (error) {
    if (!(error instanceof SendError)) throw error;
    throw new StepFailedError({
      reason: error.reason,
      channel: step.on,
      message: error.message,
    }, { cause: error });
  }
}
