/**
 * Stream connections (TCP, TLS over TCP, Unix sockets): reads fill a
 * {@linkcode ReceiveBuffer} when a step needs more bytes.
 *
 * @module
 */

import { ReceiveBuffer } from "../receive_buffer.ts";
import type { Transcript } from "../transcript.ts";
import {
  type ByteConn,
  type Channel,
  ConnectError,
  formatAddress,
  SendError,
  TlsHandshakeError,
  untilAborted,
} from "./channel.ts";
import type { TlsClientOptions } from "./tls.ts";
import type { Framing } from "../framing.ts";

/** Options for {@linkcode TcpChannel.connect}. */
export interface TcpConnectOptions {
  /** Aborts connecting (the step's deadline). */
  signal: AbortSignal;
  /** Where sends and receives are recorded. */
  transcript?: Transcript;
  /**
   * The most unread bytes held.
   *
   * @default {1048576}
   */
  maxBuffer?: number;
  /**
   * TLS on top of the TCP connection, when given.
   *
   * @default {undefined}
   */
  tls?: TlsClientOptions;
}

/** A STARTTLS that cannot start: bytes were received before it, or a read is under way. */
export class StartTlsError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is in the way.
   */
  constructor(message: string) {
    super(message);
    this.name = "StartTlsError";
  }
}

// Reads start small (most replies are short, and a large buffer per
// connection costs more to allocate than a whole short conversation) and
// grow while reads fill them.
const FIRST_READ_SIZE = 1024;
const MAX_READ_SIZE = 64 * 1024;

/**
 * Classifies a failed `Deno.connect`.
 *
 * @param address `host:port`, for the message.
 * @param error What `Deno.connect` threw.
 * @param signal The deadline, to tell a timeout.
 * @returns The error to report.
 */
function connectError(address: string, error: unknown, signal: AbortSignal): ConnectError {
  if (error instanceof Deno.errors.ConnectionRefused) {
    return new ConnectError(address, "refused", { cause: error });
  }
  if (signal.aborted) return new ConnectError(address, "timeout", { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  if (/lookup address|name or service not known|no address associated|dns/i.test(message)) {
    return new ConnectError(address, "unresolved", { cause: error });
  }
  if (error instanceof Deno.errors.TimedOut) {
    return new ConnectError(address, "timeout", { cause: error });
  }
  return new ConnectError(address, "other", { cause: error });
}

/**
 * A TCP connection whose received bytes gather in a buffer.
 *
 * @example
 * ```ts ignore
 * import { TcpChannel } from "./tcp.ts";
 * await using channel = await TcpChannel.connect("main", "127.0.0.1", 7, { signal: AbortSignal.timeout(1000) });
 * await channel.send(new TextEncoder().encode("hi\n"), AbortSignal.timeout(1000));
 * ```
 */
export class TcpChannel implements Channel {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly transport = "tcp" as const;
  /** @inheritdoc */
  readonly peer: string;
  /** What was received and not yet consumed. */
  readonly buffer: ReceiveBuffer;
  /** The host connected to: the name TLS verifies by default. */
  readonly #hostname: string;
  /** How its stream is cut into messages, when it is: each send and expect is one frame. */
  framing: Framing | undefined;
  #conn: ByteConn;
  /** The plain TCP connection under TLS, while STARTTLS may still wrap it. */
  #tcp: Deno.TcpConn | undefined;
  readonly #transcript: Transcript | undefined;
  #chunk = new Uint8Array(FIRST_READ_SIZE);
  #reading: Promise<void> | undefined;
  #closed = false;

  private constructor(
    name: string,
    peer: string,
    conn: ByteConn,
    transcript: Transcript | undefined,
    maxBuffer: number,
    tcp?: { conn: Deno.TcpConn; hostname: string },
  ) {
    this.name = name;
    this.peer = peer;
    this.#hostname = tcp?.hostname ?? peer;
    this.#conn = conn;
    this.#tcp = tcp?.conn;
    this.#transcript = transcript;
    this.buffer = new ReceiveBuffer(maxBuffer, () => this.#demand());
  }

  /**
   * Opens a TCP connection, with TLS on top when `options.tls` says so.
   *
   * @param name The channel's name.
   * @param address The host and port to connect to.
   * @param options Deadline, transcript, buffer limit and TLS.
   * @returns The open channel.
   * @throws {ConnectError} When the connection cannot be made, or its TLS handshake fails.
   */
  static async connect(
    name: string,
    address: { hostname: string; port: number },
    options: TcpConnectOptions,
  ): Promise<TcpChannel> {
    const { hostname, port } = address;
    const peer = formatAddress(hostname, port);
    const { signal } = options;
    const connecting = Deno.connect({ hostname, port, transport: "tcp" });
    let conn: Deno.TcpConn | undefined;
    try {
      conn = await untilAborted(connecting, signal);
    } catch (error) {
      throw connectError(peer, error, signal);
    }
    if (conn === undefined) {
      // Whatever the attempt still yields must not leak.
      connecting.then((late) => late.close(), () => {});
      throw connectError(peer, signal.reason, signal);
    }
    options.transcript?.record(name, "connect", {
      detail: `${options.tls === undefined ? "tcp" : "tls"}://${peer}`,
    });
    const channel = TcpChannel.fromConn(name, conn, { ...options, hostname });
    if (options.tls !== undefined) {
      try {
        await channel.startTls(options.tls, signal);
      } catch (error) {
        await channel.close();
        if (error instanceof TlsHandshakeError) {
          // A server that never answers the handshake ran out the step's time.
          throw new ConnectError(peer, signal.aborted ? "timeout" : "handshake", { cause: error });
        }
        throw error;
      }
    }
    return channel;
  }

  /**
   * Opens a connection to a Unix stream socket.
   *
   * @param name The channel's name.
   * @param path The socket's path.
   * @param options Deadline, transcript and buffer limit.
   * @returns The open channel.
   * @throws {ConnectError} When the connection cannot be made.
   */
  static async connectUnix(
    name: string,
    path: string,
    options: Omit<TcpConnectOptions, "tls">,
  ): Promise<TcpChannel> {
    const { signal } = options;
    const connecting = Deno.connect({ path, transport: "unix" });
    let conn: Deno.UnixConn | undefined;
    try {
      conn = await untilAborted(connecting, signal);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new ConnectError(path, "refused", { cause: error });
      }
      throw connectError(path, error, signal);
    }
    if (conn === undefined) {
      connecting.then((late) => late.close(), () => {});
      throw connectError(path, signal.reason, signal);
    }
    options.transcript?.record(name, "connect", { detail: `unix://${path}` });
    return new TcpChannel(
      name,
      path,
      conn,
      options.transcript,
      options.maxBuffer ?? 1024 * 1024,
    );
  }

  /**
   * Wraps a connection that is already open, e.g. one a listener accepted.
   *
   * @param name The channel's name.
   * @param conn The connection.
   * @param options Transcript and buffer limit.
   * @returns The channel.
   */
  static fromConn(
    name: string,
    conn: Deno.TcpConn,
    options: Omit<TcpConnectOptions, "signal" | "tls"> & { hostname?: string } = {},
  ): TcpChannel {
    // Each send is a message the peer should see now, not after a delayed ACK.
    conn.setNoDelay(true);
    const remote = conn.remoteAddr;
    return new TcpChannel(
      name,
      formatAddress(remote.hostname, remote.port),
      conn,
      options.transcript,
      options.maxBuffer ?? 1024 * 1024,
      { conn, hostname: options.hostname ?? remote.hostname },
    );
  }

  /**
   * Wraps a connection a listener accepted: TCP, TLS (its handshake done)
   * or a Unix socket's.
   *
   * @param name The channel's name.
   * @param conn The connection.
   * @param options Transcript and buffer limit.
   * @returns The channel.
   */
  static fromAccepted(
    name: string,
    conn: Deno.Conn,
    options: Omit<TcpConnectOptions, "signal" | "tls"> = {},
  ): TcpChannel {
    // A TLS connection has a handshake; a plain TCP one can be told to skip Nagle.
    if (conn.remoteAddr.transport === "tcp" && !("handshake" in conn)) {
      return TcpChannel.fromConn(name, conn as Deno.TcpConn, options);
    }
    const remote = conn.remoteAddr;
    return new TcpChannel(
      name,
      remote.transport === "unix" ? remote.path || "(unnamed Unix client)" : formatAddress(
        (remote as Deno.NetAddr).hostname,
        (remote as Deno.NetAddr).port,
      ),
      conn,
      options.transcript,
      options.maxBuffer ?? 1024 * 1024,
    );
  }

  /**
   * Upgrades the connection to TLS in place (STARTTLS), as its client.
   * Nothing may have been received and left unread: those bytes came as
   * plain text and would be taken for part of the encrypted stream.
   *
   * @param options CA, name (the host connected to unless `servername` says otherwise),
   *   verification, client certificate, ALPN.
   * @param signal The step's deadline.
   * @throws {StartTlsError} When bytes are buffered, or the connection is not plain TCP.
   * @throws {TlsHandshakeError} When the handshake fails.
   */
  async startTls(options: TlsClientOptions, signal: AbortSignal): Promise<void> {
    const tcp = this.#tcp;
    if (tcp === undefined || this.#closed) {
      throw new StartTlsError(
        `Cannot start TLS on "${this.name}": it is ${
          this.#closed ? "closed" : "not a plain TCP connection"
        }`,
      );
    }
    const unread = this.buffer.unread;
    if (unread.length > 0) {
      throw new StartTlsError(
        `Cannot start TLS on "${this.name}": ${unread.length} bytes arrived before it and are unread (they came as plain text): ${
          JSON.stringify(new TextDecoder().decode(unread.subarray(0, 64)))
        }`,
      );
    }
    if (this.#reading !== undefined) {
      // A read of the plain stream would swallow the handshake's bytes.
      throw new StartTlsError(
        `Cannot start TLS on "${this.name}": a read of the plain stream is still under way`,
      );
    }
    if (this.buffer.ended !== undefined) {
      throw new StartTlsError(`Cannot start TLS on "${this.name}": the peer closed it`);
    }
    // Loaded on the first TLS connection: plain runs do not pay for it.
    const { startTlsClient } = await import("./tls.ts");
    const session = await startTlsClient(tcp, this.#hostname, options, signal);
    if (session === undefined) {
      this.#closed = true;
      this.buffer.end({ kind: "closed" });
      throw new TlsHandshakeError("the TLS handshake did not finish in time");
    }
    this.#conn = session.conn;
    this.#tcp = undefined;
    this.#transcript?.record(this.name, "note", { detail: session.detail });
  }

  /** Starts one read unless one is in flight or the stream has ended. */
  #demand(): void {
    if (this.#reading !== undefined || this.#closed || this.buffer.ended !== undefined) return;
    this.#reading = this.#readOnce();
  }

  async #readOnce(): Promise<void> {
    try {
      const count = await this.#conn.read(this.#chunk);
      if (count === null) {
        this.#transcript?.record(this.name, "end", { detail: "peer closed" });
        this.buffer.end({ kind: "closed" });
        return;
      }
      const bytes = this.#chunk.subarray(0, count);
      this.#transcript?.record(this.name, "receive", { bytes });
      this.buffer.push(bytes);
      if (count === this.#chunk.length && this.#chunk.length < MAX_READ_SIZE) {
        this.#chunk = new Uint8Array(this.#chunk.length * 4);
      }
    } catch (error) {
      if (this.#closed) return;
      const message = error instanceof Error ? error.message : String(error);
      this.#transcript?.record(this.name, "end", { detail: `reset: ${message}` });
      this.buffer.end({ kind: "reset", message });
    } finally {
      this.#reading = undefined;
    }
  }

  /** @inheritdoc */
  async send(bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    this.#transcript?.record(this.name, "send", { bytes });
    let written = 0;
    while (written < bytes.length) {
      let count: number | undefined;
      try {
        count = await untilAborted(this.#conn.write(bytes.subarray(written)), signal);
      } catch (error) {
        const reset = error instanceof Deno.errors.ConnectionReset;
        throw new SendError(
          `Cannot send to "${this.peer}": ${
            reset ? "connection reset by peer" : "connection closed by peer"
          }`,
          reset ? "reset" : "closed",
          { cause: error },
        );
      }
      if (count === undefined) {
        throw new SendError(
          `Cannot send to "${this.peer}": timed out after ${written} of ${bytes.length} bytes`,
          "timeout",
        );
      }
      written += count;
    }
  }

  /** Shuts down our sending side; the peer reads end-of-file. */
  async closeWrite(): Promise<void> {
    if (this.#closed) return;
    await this.#conn.closeWrite();
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#transcript?.record(this.name, "close");
    this.buffer.end({ kind: "closed" });
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime after a reset: nothing left to release.
    }
    await this.#reading;
  }

  /** @inheritdoc */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
