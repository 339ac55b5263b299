/**
 * `accept`: wait for the next client of a TCP listener.
 *
 * @module
 */

import { TcpListenerChannel } from "../channels/listener.ts";
import { TlsHandshakeError } from "../channels/channel.ts";
import { watchClients } from "./_clients_gone.ts";
import { channelNamed, type StepContext, StepFailedError, waitTimedOut } from "./context.ts";
import type { ActionInput, DecodeKit } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { Framing, StepBase } from "../suite.ts";
import {
  CONNECTION_NAME,
  described,
  DURATION,
  type JsonSchema,
  ref,
} from "../decode/schema_types.ts";

/** `accept`: wait for the next TCP client of a listener. */
export interface AcceptStep extends StepBase {
  /** The action. */
  readonly action: "accept";
  /** The listener. */
  readonly on: string;
  /** The accepted connection's name. */
  readonly as: string;
  /** How its stream is cut into messages, over the listener's framing. */
  readonly framing?: Framing;
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
  const where = listener.path === undefined ? `port ${listener.port}` : listener.path;
  // The scenario's processes are the clients that could still connect.
  using clients = watchClients(context);
  let conn;
  try {
    conn = await listener.accept(step.as, AbortSignal.any([context.signal, clients.signal]));
  } catch (error) {
    if (!(error instanceof TlsHandshakeError)) throw error;
    throw new StepFailedError({
      reason: "handshake",
      channel: step.on,
      message: `The TLS handshake with a client of "${step.on}" failed: ${error.message}`,
    }, { cause: error });
  }
  if (conn === undefined && clients.signal.aborted && !context.signal.aborted) {
    throw new StepFailedError({
      reason: "exited",
      channel: step.on,
      message: clients.describe(`connecting to "${step.on}"`),
    });
  }
  if (conn === undefined) {
    throw waitTimedOut(
      context,
      step.on,
      `a client to connect to "${step.on}" (${where})`,
    );
  }
  if (step.framing !== undefined) conn.framing = step.framing;
  context.channels.set(step.as, conn);
}

const ACCEPT_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  on: described(CONNECTION_NAME, "The connection or process to use (default: main)"),
  as: described(CONNECTION_NAME, "The name of the accepted connection"),
  framing: described(ref("framing"), "Each send and expect is one frame (over the listener's)"),
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
  const framing = options.framing === undefined
    ? undefined
    : kit.framing(options.framing, kit.at(place, options, "framing"), "tcp");
  return {
    ...base,
    action: "accept",
    on,
    as,
    ...(framing === undefined ? {} : { framing }),
    timeout,
  };
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
