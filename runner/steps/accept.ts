/**
 * `accept`: wait for the next client of a TCP listener.
 *
 * @module
 */

import { TcpListenerChannel } from "../channels/listener.ts";
import type { AcceptStep } from "../suite.ts";
import { channelNamed, type StepContext, StepFailedError, waitTimedOut } from "./context.ts";

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
    throw waitTimedOut(
      context,
      step.on,
      `a client to connect to "${step.on}" (port ${listener.port})`,
    );
  }
  context.channels.set(step.as, conn);
}
