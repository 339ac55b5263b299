/**
 * `proxy`: a fault-injecting proxy in front of a TCP or UDP address, for
 * the scenario's connections or a program under test (`${NAME.port}`).
 *
 * @module
 */

import type { Faults } from "../faults.ts";
import { fill, parseAddress, type StepContext, StepFailedError } from "./context.ts";
import type { ActionInput, DecodeKit } from "../decode/kit.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import {
  ADDRESS_TEXT,
  CONNECTION_NAME,
  described,
  type JsonSchema,
  ref,
} from "../decode/schema_types.ts";
import { addressShape } from "../address.ts";

/** `proxy`: forward to an address through faults. */
export interface ProxyStep extends StepBase {
  /** The action. */
  readonly action: "proxy";
  /** The proxy's name; `${NAME.port}` is its port. */
  readonly as: string;
  /** Where it forwards to: `tcp://host:port` or `udp://host:port`, before interpolation. */
  readonly to: string;
  /** What it does to the traffic. */
  readonly faults: Faults;
}

/**
 * Runs a `proxy` step: the proxy listens on a free port of 127.0.0.1 until
 * the scenario ends.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runProxy(step: ProxyStep, context: StepContext): Promise<void> {
  let target;
  try {
    target = parseAddress(fill(context, step.to));
  } catch (error) {
    if (error instanceof StepFailedError) throw error;
    throw new StepFailedError({
      reason: "error",
      channel: step.as,
      message: (error as Error).message,
    });
  }
  // Loaded only by suites that use a proxy.
  const { FaultProxy } = await import("../channels/proxy.ts");
  const proxy = FaultProxy.start(step.as, target, step.faults, { transcript: context.transcript });
  context.channels.set(step.as, proxy);
  context.variables[`${step.as}.port`] = String(proxy.port);
  context.variables[`${step.as}.host`] = proxy.hostname;
}

const PROXY_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  as: described(CONNECTION_NAME, "The proxy's name (default: proxy); ${NAME.port} is its port"),
  to: described(ADDRESS_TEXT, "Where it forwards to: tcp://host:port or udp://host:port"),
  faults: described(ref("faults"), "What it does to the traffic, per direction with { up, down }"),
};
const PROXY_KEYS = Object.keys(PROXY_OPTIONS);

/** Decodes a `proxy` step as written. */
function decodeProxy(input: ActionInput, kit: DecodeKit): ProxyStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, PROXY_KEYS, place, `"proxy"`);
  const as = kit.newName(options.as, "proxy", kit.at(place, options, "as"), state, `"as"`);
  if (options.to === undefined) {
    kit.problem(place, "missing-key", {
      key: "to",
      in: `"proxy"`,
      purpose: "where it forwards to",
    });
    return undefined;
  }
  const at = kit.at(place, options, "to");
  const to = kit.string(options.to, at, `"to"`);
  const scheme = to === undefined ? undefined : kit.address(to, at, state.defined, `"to"`);
  if (scheme === "tls" || scheme === "unix") {
    kit.problem(at, "does-not-apply", {
      what: `"proxy"`,
      applies: `"tcp://" and "udp://" addresses`,
      why: scheme === "tls"
        ? `proxy TLS as "tcp://": the handshake passes through it`
        : "Unix sockets are not proxied",
    });
  }
  const transport = addressShape(to ?? "")?.scheme === "udp" ? "udp" : "tcp";
  const faults = options.faults === undefined
    ? { up: {}, down: {}, seed: 1, refuse: false }
    : kit.faults(options.faults, kit.at(place, options, "faults"), transport);
  if (as === undefined || to === undefined || faults === undefined) return undefined;
  state.open.set(as, { kind: "proxy", step: base.number });
  state.defined.add(`${as}.port`).add(`${as}.host`);
  return { ...base, action: "proxy", as, to, faults, timeout: undefined };
}

/** The `proxy` action. */
export const proxyAction: ActionSpec<ProxyStep> = {
  action: "proxy",
  shorthand: "to",
  options: PROXY_OPTIONS,
  summary:
    "Starts a fault-injecting proxy to a TCP or UDP address (latency, bandwidth, slices, loss, reordering, …); ${NAME.port} is its port.",
  decode: decodeProxy,
  run: runProxy,
};
