/**
 * `close`: close a connection.
 *
 * @module
 */

import type { CloseStep } from "../suite.ts";
import { channelNamed, type StepContext } from "./context.ts";

/**
 * Runs a `close` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runClose(step: CloseStep, context: StepContext): Promise<void> {
  const channel = channelNamed(context, step.on);
  context.channels.delete(step.on);
  await channel.close();
}
