/**
 * `connect`: open a TCP or UDP connection, or check that connecting fails.
 *
 * @module
 */

import { ConnectError } from "../channels/channel.ts";
import { formatDuration } from "../duration.ts";
import { TcpChannel } from "../channels/tcp.ts";
import { UdpChannel } from "../channels/udp.ts";
import type { ConnectStep } from "../suite.ts";
import { type Address, fill, parseAddress, type StepContext, StepFailedError } from "./context.ts";

function resolveAddress(step: ConnectStep, context: StepContext): Address {
  if (step.to !== undefined) {
    try {
      return parseAddress(fill(context, step.to));
    } catch (error) {
      if (error instanceof StepFailedError) throw error;
      throw new StepFailedError({ reason: "error", message: (error as Error).message });
    }
  }
  if (context.address === undefined) {
    throw new StepFailedError({ reason: "error", message: "No address to connect to" });
  }
  return step.transport === undefined
    ? context.address
    : { ...context.address, transport: step.transport };
}

/**
 * Runs a `connect` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runConnect(step: ConnectStep, context: StepContext): Promise<void> {
  const address = resolveAddress(step, context);
  const url = `${address.transport}://${address.hostname}:${address.port}`;
  if (address.transport === "udp") {
    try {
      context.channels.set(
        step.as,
        UdpChannel.open(step.as, address, {
          transcript: context.transcript,
          maxBuffer: context.maxBuffer,
        }),
      );
    } catch (error) {
      throw new StepFailedError({
        reason: "error",
        channel: step.as,
        message: (error as Error).message,
      }, {
        cause: error,
      });
    }
    return;
  }
  let channel: TcpChannel;
  try {
    channel = await TcpChannel.connect(step.as, address, {
      signal: context.signal,
      transcript: context.transcript,
      maxBuffer: context.maxBuffer,
    });
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    if (context.runSignal.aborted) {
      throw new StepFailedError({ reason: "aborted", channel: step.as, message: "Run cancelled" });
    }
    context.transcript.record(step.as, "note", {
      detail: `connect to ${url} failed: ${error.reason}`,
    });
    if (step.fails !== undefined && (step.fails === "any" || step.fails === error.reason)) return;
    const message = error.reason === "timeout"
      ? `${error.message} after ${formatDuration(context.timeout)}`
      : error.message;
    throw new StepFailedError({
      reason: step.fails !== undefined
        ? "mismatch"
        : error.reason === "other"
        ? "error"
        : error.reason,
      channel: step.as,
      message: step.fails === undefined
        ? message
        : `Expected connecting to fail with "${step.fails}", but it failed with "${error.reason}": ${message}`,
    }, { cause: error });
  }
  if (step.fails !== undefined) {
    await channel.close();
    throw new StepFailedError({
      reason: "connected",
      channel: step.as,
      message: `Expected connecting to "${url}" to fail with "${step.fails}", but it connected`,
    });
  }
  context.channels.set(step.as, channel);
}
