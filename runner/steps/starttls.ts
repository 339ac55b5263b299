/**
 * `starttls`: upgrade an open TCP connection to TLS in place, as SMTP, IMAP,
 * POP3, XMPP and PostgreSQL's SSLRequest do after a plain-text exchange.
 *
 * @module
 */

import { ConnectError } from "../channels/channel.ts";
import { formatDuration } from "../duration.ts";
import { StartTlsError, TcpChannel } from "../channels/tcp.ts";
import { TlsHandshakeError } from "../channels/channel.ts";
import { channelNamed, type StepContext, StepFailedError } from "./context.ts";
import { tlsOptionsFor } from "./_tls.ts";
import type { ActionInput, DecodeKit } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase, TlsSpec } from "../suite.ts";
import { CONNECTION_NAME, described, DURATION, type JsonSchema } from "../decode/schema_types.ts";

/** `starttls`: upgrade a TCP connection to TLS. */
export interface StartTlsStep extends StepBase {
  /** The action. */
  readonly action: "starttls";
  /** The connection. */
  readonly on: string;
  /** Its TLS options, over the suite's. */
  readonly tls: TlsSpec;
}

/**
 * Runs a `starttls` step.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runStartTls(step: StartTlsStep, context: StepContext): Promise<void> {
  const channel = channelNamed(context, step.on);
  if (!(channel instanceof TcpChannel)) {
    throw new StepFailedError({
      reason: "error",
      channel: step.on,
      message: `Cannot start TLS on "${step.on}": it is not a TCP connection`,
    });
  }
  const options = await tlsOptionsFor(step.tls, context, { channel: step.on });
  try {
    await channel.startTls(options, context.signal);
  } catch (error) {
    if (error instanceof StartTlsError) {
      throw new StepFailedError({ reason: "error", channel: step.on, message: error.message });
    }
    if (error instanceof TlsHandshakeError) {
      if (context.runSignal.aborted) {
        throw new StepFailedError({
          reason: "aborted",
          channel: step.on,
          message: "Run cancelled",
        });
      }
      const timedOut = context.signal.aborted;
      throw new StepFailedError({
        reason: timedOut ? "timeout" : "handshake",
        channel: step.on,
        message: timedOut
          ? `Timed out after ${
            formatDuration(context.timeout)
          } waiting for the TLS handshake on "${step.on}"`
          : new ConnectError(channel.peer, "handshake", { cause: error }).message,
      }, { cause: error });
    }
    throw error;
  }
}

const TLS_OPTION_KEYS = ["ca", "servername", "insecure", "cert", "key", "alpn"];

const STARTTLS_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  on: described(CONNECTION_NAME, "The TCP connection to upgrade (default: main)"),
  ca: described({ type: "string" }, "Certificates to trust: PEM text or a file"),
  servername: described({ type: "string" }, "The name sent (SNI) and verified (default: the host)"),
  insecure: described({ type: "boolean" }, "Skip verification, for this connection only"),
  cert: described({ type: "string" }, "A client certificate: PEM text or a file"),
  key: described({ type: "string" }, "The client certificate's key: PEM text or a file"),
  alpn: described({ type: "array", items: { type: "string" } }, "Protocols offered with ALPN"),
  timeout: described(DURATION, "How long the handshake may take (default: the step's timeout)"),
};
const STARTTLS_KEYS = Object.keys(STARTTLS_OPTIONS);

/** Decodes a `starttls` step as written. */
function decodeStartTls(input: ActionInput, kit: DecodeKit): StartTlsStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, STARTTLS_KEYS, place, `"starttls"`);
  const on = kit.on(options, place, state);
  const given = Object.fromEntries(
    Object.entries(options).filter(([key]) => TLS_OPTION_KEYS.includes(key)),
  );
  const tls = kit.tls(given, place, state.defined);
  if (on !== undefined && on.kind !== "tcp") {
    kit.problem(place, "does-not-apply", {
      what: `"starttls"`,
      applies: "TCP connections",
      name: on.name,
    });
  }
  const timeout = kit.timeout(options, place);
  if (on === undefined || tls === undefined) return undefined;
  return { ...base, action: "starttls", on: on.name, tls, timeout };
}

/** The `starttls` action. */
export const startTlsAction: ActionSpec<StartTlsStep> = {
  action: "starttls",
  shorthand: "on",
  options: STARTTLS_OPTIONS,
  summary:
    "Upgrades an open TCP connection to TLS in place (STARTTLS); nothing may be left unread before it.",
  decode: decodeStartTls,
  run: runStartTls,
};
