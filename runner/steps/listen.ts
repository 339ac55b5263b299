/**
 * `listen`: Parley plays the server, on 127.0.0.1.
 *
 * @module
 */

import { TcpListenerChannel } from "../channels/listener.ts";
import { UdpChannel } from "../channels/udp.ts";
import type { ListenStep } from "../suite.ts";
import { fill, type StepContext, StepFailedError } from "./context.ts";

/**
 * Runs a `listen` step; `${NAME.port}` is then the port.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export function runListen(step: ListenStep, context: StepContext): Promise<void> {
  const port = step.port === undefined ? 0 : Number(fill(context, step.port));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StepFailedError({
      reason: "error",
      message: `Invalid port "${port}" for listener "${step.as}"`,
    });
  }
  const options = { transcript: context.transcript, maxBuffer: context.maxBuffer };
  try {
    const channel = step.transport === "tcp"
      ? TcpListenerChannel.listen(step.as, port, options)
      : UdpChannel.listen(step.as, port, options);
    context.channels.set(step.as, channel);
    const bound = channel instanceof TcpListenerChannel ? channel.port : channel.localPort;
    context.variables[`${step.as}.port`] = String(bound);
  } catch (error) {
    const reason = error instanceof Deno.errors.AddrInUse
      ? "the port is in use"
      : (error as Error).message;
    throw new StepFailedError({
      reason: "error",
      channel: step.as,
      message: `Cannot listen on ${step.transport}://127.0.0.1:${port}: ${reason}`,
    }, { cause: error });
  }
  return Promise.resolve();
}
