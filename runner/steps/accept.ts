/**
 * `accept`: wait for the next client of a TCP listener.
 *
 * @module
 */

import { aborted } from "../channels/channel.ts";
import { TcpListenerChannel } from "../channels/listener.ts";
import { clipText } from "../clip.ts";
import { Deadline } from "../deadline.ts";
import { describeExit, type RunningProcess } from "../process.ts";
import { channelNamed, type StepContext, StepFailedError, waitTimedOut } from "./context.ts";
import type { ActionInput, DecodeKit } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import { CONNECTION_NAME, described, DURATION, type JsonSchema } from "../decode/schema_types.ts";

/** `accept`: wait for the next TCP client of a listener. */
export interface AcceptStep extends StepBase {
  /** The action. */
  readonly action: "accept";
  /** The listener. */
  readonly on: string;
  /** The accepted connection's name. */
  readonly as: string;
}

/** How long a client that exited may still turn up in the listener's queue. */
const EXIT_GRACE_MS = 200;

/** `"client" exited with code 1 before connecting to "srv"; its stderr ends: "…"`. */
function exitedBeforeConnecting(process: RunningProcess, listener: string): string {
  const last = process.stderrText().trimEnd().split("\n").at(-1)?.trim() ?? "";
  return `"${process.name}" ${describeExit(process.exit!)} before connecting to "${listener}"${
    last === "" ? "" : `; its stderr ends: ${JSON.stringify(clipText(last, 200))}`
  }`;
}

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
  // The scenario's processes that could still connect: once all of them have
  // exited without connecting, waiting longer cannot help.
  const clients = context.processes.filter((process) => process.exit === undefined);
  const accepted = new AbortController();
  const noClientLeft = new AbortController();
  if (clients.length > 0) {
    Promise.all(clients.map((process) => process.exited)).then(async () => {
      // A client that connected and then exited is queued already, or about
      // to be: a moment's grace lets the listener take it.
      using grace = new Deadline(EXIT_GRACE_MS, [context.signal, accepted.signal]);
      await aborted(grace.signal);
      if (!accepted.signal.aborted) noClientLeft.abort();
    });
  }
  let conn;
  try {
    conn = await listener.accept(step.as, AbortSignal.any([context.signal, noClientLeft.signal]));
  } finally {
    accepted.abort();
  }
  if (conn === undefined && noClientLeft.signal.aborted && !context.signal.aborted) {
    throw new StepFailedError({
      reason: "exited",
      channel: step.on,
      message: clients.map((process) => exitedBeforeConnecting(process, step.on)).join("; "),
    });
  }
  if (conn === undefined) {
    throw waitTimedOut(
      context,
      step.on,
      `a client to connect to "${step.on}" (port ${listener.port})`,
    );
  }
  context.channels.set(step.as, conn);
}

const ACCEPT_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  on: described(CONNECTION_NAME, "The connection or process to use (default: main)"),
  as: described(CONNECTION_NAME, "The name of the accepted connection"),
  timeout: described(
    DURATION,
    "How long the step may wait (default: the scenario's or suite's timeout)",
  ),
};
const ACCEPT_KEYS = Object.keys(ACCEPT_OPTIONS);

/** Decodes a `accept` step as written. */
function decodeAccept(input: ActionInput, kit: DecodeKit): AcceptStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, ACCEPT_KEYS, place, `"accept"`);
  const on = options.on === undefined
    ? [...state.open].find(([, open]) => open.kind === "tcp-listener")?.[0]
    : kit.on(options, place, state)?.name;
  if (on === undefined) {
    if (options.on === undefined) {
      kit.problem(place, "not-a-listener", {});
    }
    return undefined;
  }
  const listener = state.open.get(on);
  if (listener !== undefined && listener.kind !== "tcp-listener") {
    kit.problem(kit.at(place, options, "on"), "not-a-listener", { name: on, kind: listener.kind });
  }
  const as = kit.newName(options.as, "conn", kit.at(place, options, "as"), state, `"as"`);
  const timeout = kit.timeout(options, place);
  if (as === undefined) return undefined;
  state.open.set(as, { kind: "tcp", step: base.number });
  return { ...base, action: "accept", on, as, timeout };
}

/** The `accept` action. */
export const acceptAction: ActionSpec<AcceptStep> = {
  action: "accept",
  shorthand: "on",
  options: ACCEPT_OPTIONS,
  summary: "Accepts the next client of a TCP listener as a connection.",
  decode: decodeAccept,
  run: runAccept,
};
