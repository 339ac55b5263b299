/**
 * What every channel offers a step: a name, a way to send and a way to close.
 *
 * @module
 */

import type { Transport } from "../suite.ts";

/** An open conversation with a peer. */
export interface Channel extends AsyncDisposable {
  /** The name steps use for it. */
  readonly name: string;
  /** TCP or UDP. */
  readonly transport: Transport;
  /** The peer's address, `host:port`. */
  readonly peer: string;
  /**
   * Sends bytes to the peer.
   *
   * @param bytes What to send.
   * @param signal Aborts the send.
   */
  send(bytes: Uint8Array, signal: AbortSignal): Promise<void>;
  /** Closes the channel; closing twice is safe. */
  close(): Promise<void>;
}

/**
 * The byte stream under a stream channel: a TCP, TLS or Unix connection
 * (`Deno.TcpConn`, `Deno.TlsConn`, `Deno.UnixConn` are ones), or an adapter.
 */
export interface ByteConn {
  /** Reads into `buffer`: the count, or `null` at the end of the stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `bytes`: the count written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Shuts down the sending side. */
  closeWrite(): Promise<void>;
  /** Closes both sides and releases the connection. */
  close(): void;
}

/**
 * Writes all of `bytes`, however many writes that takes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeAll } from "./channel.ts";
 * const written: number[] = [];
 * const conn = { write: (bytes: Uint8Array) => { written.push(bytes.length); return Promise.resolve(Math.min(2, bytes.length)); } };
 * await writeAll(conn, new Uint8Array(5));
 * assertEquals(written, [5, 3, 1]);
 * ```
 *
 * @param conn Where to write.
 * @param bytes What to write.
 */
export async function writeAll(
  conn: Pick<ByteConn, "write">,
  bytes: Uint8Array,
): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Why connecting failed. */
export type ConnectFailureReason = "refused" | "timeout" | "unresolved" | "handshake" | "other";

/** A connection that could not be made. */
export class ConnectError extends Error {
  /** Why, as `connect`'s `fails` option names it. */
  readonly reason: ConnectFailureReason;
  /**
   * Whether the peer tore the connection down as it was made (reset,
   * aborted, gone before it could be used): a listener that closed with it
   * in its backlog, often a program that is exiting.
   */
  readonly reset: boolean;

  /**
   * Creates the error.
   *
   * @param address The address, `host:port`.
   * @param reason Why it failed.
   * @param options The underlying error.
   */
  constructor(address: string, reason: ConnectFailureReason, options?: ErrorOptions) {
    const cause = options?.cause;
    const detail = reason === "refused"
      ? "connection refused"
      : reason === "timeout"
      ? "timed out"
      : reason === "unresolved"
      ? "host name not resolved"
      : reason === "handshake"
      ? `TLS handshake failed: ${cause instanceof Error ? cause.message : String(cause)}`
      : cause instanceof Error
      ? cause.message
      : String(cause);
    super(`Cannot connect to "${address}": ${detail}`, options);
    this.name = "ConnectError";
    this.reason = reason;
    this.reset = reason === "other" && (
      cause instanceof Deno.errors.ConnectionReset ||
      cause instanceof Deno.errors.ConnectionAborted ||
      cause instanceof Deno.errors.NotConnected
    );
  }
}

/** A TLS handshake that failed: a certificate refused, a name that does not match, no TLS at all. */
export class TlsHandshakeError extends Error {
  /**
   * Creates the error.
   *
   * @param message Why, as the TLS library said it.
   * @param options The underlying error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TlsHandshakeError";
  }
}

/** A send that could not be completed. */
export class SendError extends Error {
  /** Why: the peer closed or reset, or the deadline passed. */
  readonly reason: "closed" | "reset" | "timeout";

  /**
   * Creates the error.
   *
   * @param message What happened.
   * @param reason Why.
   * @param options The underlying error.
   */
  constructor(message: string, reason: "closed" | "reset" | "timeout", options?: ErrorOptions) {
    super(message, options);
    this.name = "SendError";
    this.reason = reason;
  }
}

/**
 * Formats a host and port as an address, bracketing IPv6.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { formatAddress } from "./channel.ts";
 * assert(formatAddress("::1", 7) === "[::1]:7");
 * ```
 *
 * @param hostname The host.
 * @param port The port.
 * @returns `host:port`.
 */
export function formatAddress(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/**
 * Settles with `promise`, or with `undefined` as soon as `signal` aborts.
 * The abort listener is removed either way, so long-lived signals do not
 * collect listeners.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { untilAborted } from "./channel.ts";
 * const value = await untilAborted(new Promise(() => {}), AbortSignal.timeout(1));
 * assert(value === undefined);
 * ```
 *
 * @param promise The operation.
 * @param signal Ends the wait.
 * @returns The operation's value, or `undefined` when aborted first.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const abort = (): void => resolve(undefined);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}

/**
 * Resolves when `signal` aborts; rejects never. For racing against I/O.
 *
 * @example
 * ```ts
 * import { aborted } from "./channel.ts";
 * await aborted(AbortSignal.timeout(1));
 * ```
 *
 * @param signal The signal.
 * @returns A promise that settles on abort.
 */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}
