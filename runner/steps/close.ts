/**
 * `close`: close a connection (or only our sending side), a listener, or a
 * process's stdin.
 *
 * @module
 */

import { ProcessChannel } from "../channels/process.ts";
import { TcpChannel } from "../channels/tcp.ts";
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
  if (channel instanceof ProcessChannel) {
    // The process stays a channel: its output can still be read and its exit awaited.
    await channel.closeInput();
    return;
  }
  if (step.how === "half" && channel instanceof TcpChannel) {
    context.transcript.record(step.on, "note", { detail: "closed our sending side" });
    await channel.closeWrite();
    return;
  }
  context.channels.delete(step.on);
  await channel.close();
}
