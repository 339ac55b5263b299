/**
 * `close`: close a connection (or only our sending side), a listener, or a
 * process's stdin.
 *
 * @module
 */

import { ProcessChannel } from "../channels/process.ts";
import { TcpChannel } from "../channels/tcp.ts";
import { channelNamed, type StepContext } from "./context.ts";
import { type ActionInput, type DecodeKit } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import { CONNECTION_NAME, described, type JsonSchema } from "../decode/schema_types.ts";

/** `close`: close a connection (or only its sending side), a listener or a process's stdin. */
export interface CloseStep extends StepBase {
  /** The action. */
  readonly action: "close";
  /** The connection's name. */
  readonly on: string;
  /** `full` closes; `half` shuts down our sending side only (TCP). */
  readonly how: "full" | "half";
}

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

const CLOSE_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  on: described(CONNECTION_NAME, "The connection or process to use (default: main)"),
  how: described(
    { enum: ["full", "half"] },
    "full (default) closes both ways; half closes only the sending side (TCP), or a process's stdin",
  ),
};
const CLOSE_KEYS = Object.keys(CLOSE_OPTIONS);

/** Decodes a `close` step as written. */
function decodeClose(input: ActionInput, kit: DecodeKit): CloseStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, CLOSE_KEYS, place, `"close"`);
  const on = kit.on(options, place, state);
  let how: "full" | "half" = "full";
  if (options.how === "reset") {
    kit.problem(kit.at(place, options, "how"), "unsupported", {
      what: `"how: reset"`,
      reason:
        `Deno cannot abort a TCP connection with a reset (it offers no SO_LINGER); use "how: half" or a full close`,
    });
  } else if (options.how !== undefined) {
    how =
      kit.oneOf(options.how, ["full", "half"] as const, kit.at(place, options, "how"), `"how"`) ??
        "full";
  }
  if (how === "half" && on !== undefined && on.kind !== "tcp") {
    kit.problem(kit.at(place, options, "how"), "does-not-apply", {
      what: `"how: half"`,
      applies: "TCP connections",
      name: on.name,
    });
  }
  if (on === undefined) return undefined;
  // A half-closed connection can still be read; a process whose stdin is closed can too.
  if (how === "full" && on.kind !== "process") state.open.delete(on.name);
  return { ...base, action: "close", on: on.name, how, timeout: undefined };
}

/** The `close` action. */
export const closeAction: ActionSpec<CloseStep> = {
  action: "close",
  shorthand: "on",
  options: CLOSE_OPTIONS,
  summary: "Closes a connection (fully or, for TCP, half), or a process's stdin.",
  decode: decodeClose,
  run: runClose,
};
