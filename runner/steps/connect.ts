/**
 * `connect`: open a TCP, TLS, Unix-socket or UDP connection, or check that
 * connecting fails.
 *
 * @module
 */

import { type AddressScheme, addressShape, formatUrl } from "../address.ts";
import { ConnectError } from "../channels/channel.ts";
import { formatDuration } from "../duration.ts";
import { TcpChannel } from "../channels/tcp.ts";
import type { Faults } from "../faults.ts";
import { UdpChannel } from "../channels/udp.ts";
import { type Address, fill, parseAddress, type StepContext, StepFailedError } from "./context.ts";
import { tlsOptionsFor } from "./_tls.ts";
import { type ActionInput, type DecodeKit, TRANSPORTS } from "../decode/kit.ts";
import {
  type ConnectFailure,
  DEFAULT_CONNECTION,
  type Framing,
  type TlsSpec,
  type Transport,
} from "../suite.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import {
  ADDRESS_TEXT,
  CONNECTION_NAME,
  described,
  DURATION,
  type JsonSchema,
  ref,
} from "../decode/schema_types.ts";

/** `connect`: open a TCP, TLS, Unix-socket or UDP connection. */
export interface ConnectStep extends StepBase {
  /** The action. */
  readonly action: "connect";
  /** The connection's name. */
  readonly as: string;
  /** `tcp://`, `udp://`, `tls://host:port` or `unix:///path`; the suite's address when absent. */
  readonly to: string | undefined;
  /** TLS options: with them a TCP connection is TLS, whatever its scheme says. */
  readonly tls: TlsSpec | undefined;
  /** How the stream is cut into messages, when it is. */
  readonly framing?: Framing;
  /** Faults of a private proxy put in front of the connection. */
  readonly faults?: Faults;
  /** The transport; taken from `to`, the target or `tcp`. */
  readonly transport: Transport | undefined;
  /** Passes only when connecting fails this way. */
  readonly fails: ConnectFailure | undefined;
}

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
  const given = resolveAddress(step, context);
  const target = step.tls !== undefined && given.transport === "tcp" && given.path === undefined
    ? { ...given, tls: true }
    : given;
  const url = formatUrl(target);
  // With faults, the connection goes through a proxy of its own, closed with the scenario.
  let address = target;
  if (step.faults !== undefined) {
    // Loaded only when a connection has faults.
    const { FaultProxy } = await import("../channels/proxy.ts");
    const proxy = FaultProxy.start(`${step.as}~faults`, target, step.faults, {
      transcript: context.transcript,
    });
    context.channels.set(`${step.as}~faults`, proxy);
    address = { ...target, hostname: proxy.hostname, port: proxy.port };
  }
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
      throw StepFailedError.of(step.as, error);
    }
    return;
  }
  const tls = address.tls
    ? {
      // Through a proxy, the name to verify is still the target's.
      servername: target.hostname,
      ...await tlsOptionsFor(step.tls, context, { channel: step.as }),
    }
    : undefined;
  let channel: TcpChannel;
  try {
    const options = {
      signal: context.signal,
      transcript: context.transcript,
      maxBuffer: context.maxBuffer,
    };
    channel = address.path !== undefined
      ? await TcpChannel.connectUnix(step.as, address.path, options)
      : await TcpChannel.connect(step.as, address, {
        ...options,
        ...(tls === undefined ? {} : { tls }),
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
      reason: step.fails !== undefined ? "mismatch" : error.reason !== "other"
        ? error.reason
        // Waited on for the program's exit, as a reset connection is.
        : error.reset
        ? "reset"
        : "error",
      channel: step.as,
      message: step.fails === undefined
        ? message
        : `Expected connecting to fail with "${step.fails}", but it failed with "${error.reason}": ${message}`,
    }, { cause: error });
  }
  if (step.framing !== undefined) channel.framing = step.framing;
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

const CONNECT_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  as: described(CONNECTION_NAME, "The connection's name (default: main)"),
  to: described(
    ADDRESS_TEXT,
    "The address, tcp://, udp://, tls://host:port or unix:///path (default: the suite's)",
  ),
  transport: described({ enum: ["tcp", "udp"] }, "tcp or udp (default: from the address)"),
  tls: described(
    { anyOf: [{ const: true }, ref("tls")] },
    "TLS options (true: the suite's); a TCP connection with them is TLS",
  ),
  framing: described(ref("framing"), "Each send and expect is one frame (streams)"),
  faults: described(ref("faults"), "Put a fault-injecting proxy of its own in front of it"),
  timeout: described(
    DURATION,
    "How long the step may wait (default: the scenario's or suite's timeout)",
  ),
  fails: described(
    { enum: ["refused", "timeout", "unresolved", "handshake", "any"] },
    "Pass only when connecting fails this way (handshake: the TLS handshake)",
  ),
};
const CONNECT_KEYS = Object.keys(CONNECT_OPTIONS);
const FAILURES: readonly ConnectFailure[] = [
  "refused",
  "timeout",
  "unresolved",
  "handshake",
  "any",
];

/** Decodes a `connect` step as written. */
function decodeConnect(input: ActionInput, kit: DecodeKit): ConnectStep | undefined {
  const { options, base, place, suite, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, CONNECT_KEYS, place, `"connect"`);
  const as = options.as === undefined
    ? DEFAULT_CONNECTION
    : kit.connectionName(options.as, kit.at(place, options, "as"), `"as"`);
  const transport = options.transport === undefined
    ? undefined
    : kit.oneOf(options.transport, TRANSPORTS, kit.at(place, options, "transport"), `"transport"`);
  let to: string | undefined;
  let scheme: AddressScheme | undefined;
  if (options.to !== undefined) {
    to = kit.string(options.to, kit.at(place, options, "to"), `"to"`);
    if (to !== undefined) scheme = kit.address(to, place, state.defined, `"to"`);
  } else if (suite.server === undefined && suite.target === undefined && !suite.program) {
    kit.problem(place, "no-address", {});
  } else if (suite.target !== undefined) {
    scheme = addressShape(suite.target)?.scheme;
  }
  const schemeTransport: Transport | undefined = scheme === undefined
    ? undefined
    : scheme === "udp"
    ? "udp"
    : "tcp";
  // tls: true is TLS with the suite's options.
  const tls = options.tls === undefined
    ? undefined
    : options.tls === true
    ? {}
    : kit.tls(options.tls, kit.at(place, options, "tls"), state.defined);
  if (options.tls !== undefined && (scheme === "udp" || scheme === "unix" || transport === "udp")) {
    kit.problem(kit.at(place, options, "tls"), "does-not-apply", {
      what: `"tls"`,
      applies: "TCP connections",
      why: `this one is ${scheme === "unix" ? "a Unix socket" : "UDP"}`,
    });
  }
  if (transport !== undefined && schemeTransport !== undefined && transport !== schemeTransport) {
    kit.problem(kit.at(place, options, "transport"), "transport-mismatch", {
      transport,
      scheme: schemeTransport,
    });
  }
  const resolved = transport ?? schemeTransport ??
    (options.to === undefined && suite.program ? suite.programTransport : "tcp");
  if (options.to === undefined && suite.server !== undefined) {
    const speaks = kit.servers[suite.server];
    if (speaks !== undefined && !speaks.includes(resolved)) {
      kit.problem(place, "server-transport", {
        server: suite.server,
        transport: resolved,
        speaks,
      });
    }
  }
  const fails = options.fails === undefined
    ? undefined
    : kit.oneOf(options.fails, FAILURES, kit.at(place, options, "fails"), `"fails"`);
  if (fails === "handshake" && options.tls === undefined && scheme !== "tls") {
    kit.problem(kit.at(place, options, "fails"), "does-not-apply", {
      what: `"fails: handshake"`,
      applies: `TLS connections (a "tls://" address or "tls" options)`,
    });
  }
  if (fails !== undefined && resolved === "udp") {
    kit.problem(kit.at(place, options, "fails"), "does-not-apply", {
      what: `"fails"`,
      applies: "TCP only",
      why: "UDP has no connection to refuse or time out",
    });
  }
  const framing = options.framing === undefined
    ? undefined
    : kit.framing(options.framing, kit.at(place, options, "framing"), resolved);
  const faults = options.faults === undefined
    ? undefined
    : kit.faults(options.faults, kit.at(place, options, "faults"), resolved);
  if (options.faults !== undefined && scheme === "unix") {
    kit.problem(kit.at(place, options, "faults"), "does-not-apply", {
      what: `"faults"`,
      applies: "TCP, TLS and UDP connections",
      why: "Unix sockets are not proxied",
    });
  }
  const timeout = kit.timeout(options, place);
  if (as === undefined) return undefined;
  // A connect that is to fail opens nothing.
  if (fails === undefined) kit.checkNotOpen(as, place, state);
  if (fails === undefined) state.open.set(as, { kind: resolved, step: base.number });
  return {
    ...base,
    action: "connect",
    as,
    to,
    tls,
    ...(framing === undefined ? {} : { framing }),
    ...(faults === undefined ? {} : { faults }),
    transport: transport ?? schemeTransport,
    fails,
    timeout,
  };
}

/** The `connect` action. */
export const connectAction: ActionSpec<ConnectStep> = {
  action: "connect",
  shorthand: "as",
  options: CONNECT_OPTIONS,
  summary:
    "Opens a TCP connection or a UDP socket to the suite's address or `to`; with `fails`, passes only when connecting fails that way.",
  decode: decodeConnect,
  run: runConnect,
};
