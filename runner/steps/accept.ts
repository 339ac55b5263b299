/**
 * `accept`: wait for the next client of a TCP listener.
 *
 * @module
 */

import { TcpListenerChannel } from "../channels/listener.ts";
import { formatDuration } from "../duration.ts";
import type { AcceptStep } from "../suite.ts";
import { channelNamed, type StepContext, StepFailedError } from "./context.ts";

/**
 * Runs an `accept` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runAccept(step: AcceptStep, context: StepContext): Promise<void> {
  const listener = channelNamed(context, step.on);
  if (!(listener instanceof TcpListenerChannel)) {
    throw new StepFailedError({
      reason: "error",
      channel: step.on,
      message: `"${step.on}" is not a TCP listener`,
    });
  }
  const conn = await listener.accept(step.as, context.signal);
  if (conn === undefined) {
    if (context.runSignal.aborted) {
      throw new StepFailedError({ reason: "aborted", channel: step.on, message: "Run cancelled" });
    }
    throw new StepFailedError({
      reason: "timeout",
      channel: step.on,
      message: `Timed out after ${
        formatDuration(context.timeout)
      } waiting for a client to connect to "${step.on}" (port ${listener.port})`,
    });
  }
  context.channels.set(step.as, conn);
}
