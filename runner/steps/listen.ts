/**
 * `listen`: Parley plays the server, on 127.0.0.1.
 *
 * @module
 */

import { TcpListenerChannel } from "../channels/listener.ts";
import { UdpChannel } from "../channels/udp.ts";
import { fill, type StepContext, StepFailedError } from "./context.ts";
import { type ActionInput, type DecodeKit, TRANSPORTS } from "../decode/kit.ts";
import type { Transport } from "../suite.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import { CONNECTION_NAME, described, type JsonSchema } from "../decode/schema_types.ts";

/** `listen`: open a listening socket on 127.0.0.1. */
export interface ListenStep extends StepBase {
  /** The action. */
  readonly action: "listen";
  /** The listener's name; `${NAME.port}` is its port. */
  readonly as: string;
  /** TCP or UDP. */
  readonly transport: Transport;
  /** A fixed port, before interpolation; a free one when absent. */
  readonly port: string | undefined;
}

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

const LISTEN_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  as: described(CONNECTION_NAME, "The listener's name (default: srv); ${NAME.port} is its port"),
  transport: described({ enum: ["tcp", "udp"] }, "tcp (default) or udp"),
  port: described(
    { type: ["integer", "string"] },
    "The port (default: a free one); may be ${variable}",
  ),
};
const LISTEN_KEYS = Object.keys(LISTEN_OPTIONS);

/** Decodes a `listen` step as written. */
function decodeListen(input: ActionInput, kit: DecodeKit): ListenStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, LISTEN_KEYS, place, `"listen"`);
  const as = kit.newName(options.as, "srv", kit.at(place, options, "as"), state, `"as"`);
  const transport: Transport = options.transport === undefined ? "tcp" : kit.oneOf(
    options.transport,
    TRANSPORTS,
    kit.at(place, options, "transport"),
    `"transport"`,
  ) ?? "tcp";
  let port: string | undefined;
  if (typeof options.port === "number") {
    if (kit.port(options.port, kit.at(place, options, "port")) !== undefined) {
      port = String(options.port);
    }
  } else if (typeof options.port === "string") {
    kit.template(options.port, kit.at(place, options, "port"), state.defined);
    port = options.port;
  } else if (options.port !== undefined) {
    kit.port(options.port, kit.at(place, options, "port"));
  }
  if (as === undefined) return undefined;
  state.open.set(as, {
    kind: transport === "tcp" ? "tcp-listener" : "udp-listener",
    step: base.number,
  });
  state.defined.add(`${as}.port`);
  return { ...base, action: "listen", as, transport, port, timeout: undefined };
}

/** The `listen` action. */
export const listenAction: ActionSpec<ListenStep> = {
  action: "listen",
  shorthand: "as",
  options: LISTEN_OPTIONS,
  summary: "Listens on a port, to play the server for a client under test.",
  decode: decodeListen,
  run: runListen,
};
