/**
 * `listen`: Parley plays the server, on 127.0.0.1 (TCP, TLS or UDP) or on a
 * Unix socket.
 *
 * @module
 */

import { resolve } from "@std/path/posix/resolve";
import { TcpListenerChannel } from "../channels/listener.ts";
import { UdpChannel } from "../channels/udp.ts";
import { fill, type StepContext, StepFailedError } from "./context.ts";
import { readPem } from "./_tls.ts";
import type { ActionInput, DecodeKit } from "../decode/kit.ts";
import type { Framing, TlsSpec, Transport } from "../suite.ts";
import type { ActionSpec } from "./action.ts";
import type { StepBase } from "../suite.ts";
import { CONNECTION_NAME, described, type JsonSchema, ref } from "../decode/schema_types.ts";

/** `listen`: open a listening socket on 127.0.0.1, or a Unix socket. */
export interface ListenStep extends StepBase {
  /** The action. */
  readonly action: "listen";
  /** The listener's name; `${NAME.port}` is its port (`${NAME.path}` for a Unix socket). */
  readonly as: string;
  /** TCP or UDP; `unix` is a Unix stream socket. */
  readonly transport: Transport | "unix";
  /** A fixed port, before interpolation; a free one when absent. */
  readonly port: string | undefined;
  /** With `transport: unix`: the socket's path, before interpolation. */
  readonly path: string | undefined;
  /** TLS with `cert` and `key`: clients are accepted with a TLS handshake. */
  readonly tls: TlsSpec | undefined;
  /** How accepted connections' streams are cut into messages, when they are. */
  readonly framing?: Framing;
}

/**
 * Runs a `listen` step; `${NAME.port}` is then the port.
 *
 * @param step The step.
 * @param context The scenario's state.
 */
export async function runListen(step: ListenStep, context: StepContext): Promise<void> {
  if (step.transport === "unix") {
    const path = resolve(context.dir, fill(context, step.path!));
    try {
      const channel = TcpListenerChannel.listenUnix(step.as, path, {
        transcript: context.transcript,
        maxBuffer: context.maxBuffer,
        ...(step.framing === undefined ? {} : { framing: step.framing }),
      });
      context.channels.set(step.as, channel);
      context.variables[`${step.as}.path`] = path;
    } catch (error) {
      const reason = error instanceof Deno.errors.AddrInUse
        ? "the path exists"
        : (error as Error).message;
      throw new StepFailedError({
        reason: "error",
        channel: step.as,
        message: `Cannot listen on "unix://${path}": ${reason}`,
      }, { cause: error });
    }
    return;
  }
  const tls = step.tls === undefined ? undefined : {
    cert: await readPem(step.tls.cert!, context, { channel: step.as }),
    key: await readPem(step.tls.key!, context, { channel: step.as }),
  };
  const port = step.port === undefined ? 0 : Number(fill(context, step.port));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StepFailedError({
      reason: "error",
      message: `Invalid port "${port}" for listener "${step.as}"`,
    });
  }
  const options = {
    transcript: context.transcript,
    maxBuffer: context.maxBuffer,
    ...(step.framing === undefined ? {} : { framing: step.framing }),
  };
  try {
    const channel = step.transport === "tcp"
      ? TcpListenerChannel.listen(step.as, port, {
        ...options,
        ...(tls === undefined ? {} : { tls }),
      })
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
      message: `Cannot listen on ${
        tls === undefined ? step.transport : "tls"
      }://127.0.0.1:${port}: ${reason}`,
    }, { cause: error });
  }
}

const LISTEN_OPTIONS: Readonly<Record<string, JsonSchema>> = {
  as: described(CONNECTION_NAME, "The listener's name (default: srv); ${NAME.port} is its port"),
  transport: described(
    { enum: ["tcp", "udp", "unix"] },
    "tcp (default), udp, or unix (a Unix stream socket at path)",
  ),
  port: described(
    { type: ["integer", "string"] },
    "The port (default: a free one); may be ${variable}",
  ),
  path: described(
    { type: "string" },
    "With transport: unix, the socket's path (relative to the suite); ${NAME.path} is it",
  ),
  tls: described(ref("tls"), "Serve TLS (TCP): { cert, key }, PEM text or files"),
  framing: described(ref("framing"), "Accepted connections send and expect one frame at a time"),
};
const LISTEN_KEYS = Object.keys(LISTEN_OPTIONS);

/** Decodes a `listen` step as written. */
function decodeListen(input: ActionInput, kit: DecodeKit): ListenStep | undefined {
  const { options, base, place, state } = input;
  if (options === undefined) return undefined;
  kit.checkKeys(options, LISTEN_KEYS, place, `"listen"`);
  const as = kit.newName(options.as, "srv", kit.at(place, options, "as"), state, `"as"`);
  const transport: Transport | "unix" = options.transport === undefined ? "tcp" : kit.oneOf(
    options.transport,
    ["tcp", "udp", "unix"] as const,
    kit.at(place, options, "transport"),
    `"transport"`,
  ) ?? "tcp";
  let path: string | undefined;
  if (options.path !== undefined) {
    path = kit.string(options.path, kit.at(place, options, "path"), `"path"`);
    if (path !== undefined) kit.template(path, kit.at(place, options, "path"), state.defined);
    if (transport !== "unix") {
      kit.problem(kit.at(place, options, "path"), "requires-key", {
        key: "path",
        requires: ["transport: unix"],
      });
    }
  } else if (transport === "unix") {
    kit.problem(place, "missing-key", {
      key: "path",
      in: `"listen" on a Unix socket`,
      purpose: "where the socket is made",
    });
  }
  if (transport === "unix" && options.port !== undefined) {
    kit.problem(kit.at(place, options, "port"), "does-not-apply", {
      what: `"port"`,
      applies: "TCP and UDP listeners",
    });
  }
  let tls: TlsSpec | undefined;
  if (options.tls !== undefined) {
    const at = kit.at(place, options, "tls");
    tls = kit.tls(options.tls, at, state.defined);
    if (transport !== "tcp") {
      kit.problem(at, "does-not-apply", { what: `"tls"`, applies: "TCP listeners" });
    } else if (tls !== undefined && (tls.cert === undefined || tls.key === undefined)) {
      kit.problem(at, "missing-key", {
        key: tls.cert === undefined ? "cert" : "key",
        in: `"tls" on a listener`,
        purpose: "the server's certificate and its key",
      });
    } else if (tls !== undefined) {
      const clientOnly = ["ca", "servername", "insecure", "alpn"].filter((key) =>
        (tls as Record<string, unknown>)[key] !== undefined
      );
      for (const key of clientOnly) {
        kit.problem(at, "does-not-apply", {
          what: `"${key}"`,
          applies: "TLS clients (connect, starttls)",
          why: "a listener presents its certificate and key",
        });
      }
    }
  }
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
  const framing = options.framing === undefined ? undefined : kit.framing(
    options.framing,
    kit.at(place, options, "framing"),
    transport === "udp" ? "udp" : "tcp",
  );
  if (as === undefined) return undefined;
  state.open.set(as, {
    kind: transport === "udp" ? "udp-listener" : "tcp-listener",
    step: base.number,
  });
  state.defined.add(transport === "unix" ? `${as}.path` : `${as}.port`);
  return {
    ...base,
    action: "listen",
    as,
    transport,
    port,
    path,
    tls,
    ...(framing === undefined ? {} : { framing }),
    timeout: undefined,
  };
}

/** The `listen` action. */
export const listenAction: ActionSpec<ListenStep> = {
  action: "listen",
  shorthand: "as",
  options: LISTEN_OPTIONS,
  summary:
    "Listens on a port (TCP, TLS or UDP) or a Unix socket, to play the server for a client under test.",
  decode: decodeListen,
  run: runListen,
};
