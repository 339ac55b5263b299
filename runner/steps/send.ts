/**
 * `send`: write bytes to a connection or a process's stdin, whole or split
 * into several writes (fault injection for servers that assume one read
 * per message).
 *
 * @module
 */

import { SendError, untilAborted } from "../channels/channel.ts";
import { TcpChannel } from "../channels/tcp.ts";
import { describeFraming, frameMessage } from "../framing.ts";
import type { Split } from "../suite.ts";
import { channelNamed, payloadBytes, type StepContext, StepFailedError } from "./context.ts";
import {
  type ActionInput,
  type DecodeKit,
  MAX_MAX_BUFFER,
  MAX_REPEAT_TIMES,
} from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { Payload, StepBase } from "../suite.ts";
import {
  CONNECTION_NAME,
  described,
  DURATION,
  type JsonSchema,
  ref,
  TEXT,
  wholeNumber,
} from "../decode/schema_types.ts";

/** `send`: write bytes to a connection, a process's stdin or a UDP listener's last peer. */
export interface SendStep extends StepBase {
  /** The action. */
  readonly action: "send";
  /** The connection's name. */
  readonly on: string;
  /** What to write. */
  readonly payload: Payload;
  /** How to split it into writes, when asked to. */
  readonly split: Split | undefined;
}

/**
 * Splits bytes into the writes a {@linkcode Split} asks for.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { splitBytes } from "./send.ts";
 * const parts = splitBytes(new Uint8Array(10), { chunks: 3, chunkSize: undefined, delay: 0 });
 * assertEquals(parts.map((part) => part.length), [4, 3, 3]);
 * ```
 *
 * @param bytes The message.
 * @param split How to split it.
 * @returns The parts, none empty (one empty part for an empty message).
 */
export function splitBytes(bytes: Uint8Array, split: Split): Uint8Array[] {
  const parts: Uint8Array[] = [];
  if (split.chunkSize !== undefined) {
    for (let at = 0; at < bytes.length; at += split.chunkSize) {
      parts.push(bytes.subarray(at, at + split.chunkSize));
    }
  } else {
    const count = Math.min(split.chunks ?? 1, Math.max(bytes.length, 1));
    let at = 0;
    for (let index = 0; index < count; index++) {
      const size = Math.floor(bytes.length / count) + (index < bytes.length % count ? 1 : 0);
      parts.push(bytes.subarray(at, at + size));
      at += size;
    }
  }
  return parts.length === 0 ? [bytes] : parts;
}

function pause(ms: number, signal: AbortSignal): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  return untilAborted(elapsed, signal).finally(() => clearTimeout(timer));
}

/**
 * Runs a `send` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runSend(step: SendStep, context: StepContext): Promise<void> {
  const channel = channelNamed(context, step.on);
  let bytes = payloadBytes(context, step.payload);
  if (channel instanceof TcpChannel && channel.framing !== undefined) {
    // One send, one frame: chunks still split what is written.
    try {
      bytes = frameMessage(channel.framing, bytes);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new StepFailedError({
        reason: "error",
        channel: step.on,
        message: `Cannot frame the message for "${step.on}" (${
          describeFraming(channel.framing)
        }): ${error.message}`,
      }, { cause: error });
    }
  }
  const parts = step.split === undefined ? [bytes] : splitBytes(bytes, step.split);
  let sent = 0;
  try {
    for (let index = 0; index < parts.length; index++) {
      if (index > 0 && (await pause(step.split?.delay ?? 0, context.signal)) === undefined) {
        throw new SendError(
          `Cannot send to "${step.on}": timed out after ${index} of ${parts.length} chunks`,
          "timeout",
        );
      }
      await channel.send(parts[index]!, context.signal);
      sent++;
    }
  } catch (error) {
    if (!(error instanceof SendError)) throw error;
    throw new StepFailedError({
      reason: error.reason,
      channel: step.on,
      message: sent > 0 && error.reason !== "timeout"
        ? `${error.message} after ${sent} of ${parts.length} chunks had been sent`
        : error.message,
    }, { cause: error });
  }
}

const SEND_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  on: described(CONNECTION_NAME, "The connection or process to use (default: main)"),
  text: described(TEXT, "Text to send, as UTF-8"),
  hex: described({ type: "string" }, "Bytes in hex, spaces allowed"),
  base64: described({ type: "string" }, "Bytes in base64"),
  fields: described(ref("fields"), "Binary fields, in order: integers, hex and text"),
  timeout: described(
    DURATION,
    "How long the step may wait (default: the scenario's or suite's timeout)",
  ),
  chunks: described(wholeNumber(MAX_REPEAT_TIMES), "Split the bytes into this many writes"),
  "chunk_size": described(
    wholeNumber(MAX_MAX_BUFFER),
    "Split the bytes into writes of this many bytes",
  ),
  delay: described(DURATION, "The pause between chunks (default: 20ms)"),
};
const SEND_KEYS = Object.keys(SEND_OPTIONS);

/** Decodes a `send` step as written. */
function decodeSend(input: ActionInput, kit: DecodeKit): SendStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, SEND_KEYS, place, `"send"`);
  const on = kit.on(options, place, state);
  const payload = kit.payload(options, place, state.defined, `"send"`);
  const timeout = kit.timeout(options, place);
  const split = kit.split(options, place);
  if (on?.kind === "tcp-listener") {
    kit.problem(place, "listener-not-connection", { action: "send", name: on.name });
  }
  if (on?.kind === "proxy") {
    kit.problem(place, "does-not-apply", {
      what: `"send"`,
      applies: "connections",
      name: on.name,
      is: `a proxy: connect to \${${on.name}.port}`,
    });
  }
  if (split !== undefined && (on?.kind === "udp" || on?.kind === "udp-listener")) {
    kit.problem(
      kit.at(place, options, options.chunks === undefined ? "chunk_size" : "chunks"),
      "does-not-apply",
      {
        what: `"chunks" and "chunk_size"`,
        plural: true,
        applies: "streams",
        why: "on UDP every send is one datagram",
      },
    );
  }
  if (on === undefined || payload === undefined) return undefined;
  return { ...base, action: "send", on: on.name, payload, split, timeout };
}

/** The `send` action. */
export const sendAction: ActionSpec<SendStep> = {
  action: "send",
  shorthand: "text",
  options: SEND_OPTIONS,
  summary:
    "Sends text, hex or base64 bytes, or binary fields, optionally split into chunks; one frame on a framed connection.",
  decode: decodeSend,
  run: runSend,
};
