/**
 * Stream listeners (TCP, TLS, Unix sockets), for testing clients: Parley
 * plays the server.
 *
 * @module
 */

import { Notifier } from "../notifier.ts";
import type { Transcript } from "../transcript.ts";
import {
  type Channel,
  formatAddress,
  SendError,
  TlsHandshakeError,
  untilAborted,
} from "./channel.ts";
import { TcpChannel } from "./tcp.ts";
import type { Framing } from "../framing.ts";

/** Options for {@linkcode TcpListenerChannel.listen}. */
export interface ListenOptions {
  /** Where connections are recorded. */
  transcript?: Transcript;
  /**
   * The most unread bytes each accepted connection may hold.
   *
   * @default {1048576}
   */
  maxBuffer?: number;
  /**
   * Serve TLS with this certificate and key (PEM text).
   *
   * @default {undefined}
   */
  tls?: { readonly cert: string; readonly key: string };
  /**
   * How accepted connections' streams are cut into messages.
   *
   * @default {undefined}
   */
  framing?: Framing;
}

/**
 * A listening TCP socket on 127.0.0.1. Clients are accepted as they come
 * (the kernel completes their connects anyway) and handed out by
 * {@linkcode TcpListenerChannel.accept} in order.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { TcpListenerChannel } from "./listener.ts";
 * await using listener = TcpListenerChannel.listen("srv", 0);
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
 * await using conn = await listener.accept("conn", AbortSignal.timeout(1000));
 * assert(conn !== undefined);
 * client.close();
 * ```
 */
export class TcpListenerChannel implements Channel {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly transport = "tcp" as const;
  /** The port it listens on; 0 for a Unix socket. */
  readonly port: number;
  /** The Unix socket it listens on, when it does; removed when it closes. */
  readonly path: string | undefined;
  readonly #listener: Deno.Listener;
  readonly #options: ListenOptions;
  readonly #pending: Deno.Conn[] = [];
  readonly #arrived = new Notifier();
  readonly #accepting: Promise<void>;
  #closed = false;

  private constructor(name: string, listener: Deno.Listener, options: ListenOptions) {
    this.name = name;
    this.#listener = listener;
    const address = listener.addr;
    this.port = address.transport === "unix" ? 0 : (address as Deno.NetAddr).port;
    this.path = address.transport === "unix" ? (address as Deno.UnixAddr).path : undefined;
    this.#options = options;
    this.#accepting = this.#acceptAll();
  }

  /**
   * Listens on 127.0.0.1.
   *
   * @param name The listener's name.
   * @param port The port; 0 picks a free one.
   * @param options Transcript and buffer limit.
   * @returns The listener.
   * @throws {Deno.errors.AddrInUse} When the port is taken.
   */
  static listen(name: string, port: number, options: ListenOptions = {}): TcpListenerChannel {
    const listener = options.tls === undefined
      ? Deno.listen({ hostname: "127.0.0.1", port, transport: "tcp" })
      : Deno.listenTls({ hostname: "127.0.0.1", port, ...options.tls });
    options.transcript?.record(name, "connect", {
      detail: `listening on ${options.tls === undefined ? "tcp" : "tls"}://127.0.0.1:${
        (listener.addr as Deno.NetAddr).port
      }`,
    });
    return new TcpListenerChannel(name, listener, options);
  }

  /**
   * Listens on a Unix stream socket.
   *
   * @param name The listener's name.
   * @param path The socket's path; it must not exist.
   * @param options Transcript and buffer limit.
   * @returns The listener.
   * @throws {Deno.errors.AddrInUse} When the path exists.
   */
  static listenUnix(
    name: string,
    path: string,
    options: Omit<ListenOptions, "tls"> = {},
  ): TcpListenerChannel {
    const listener = Deno.listen({ path, transport: "unix" });
    options.transcript?.record(name, "connect", { detail: `listening on unix://${path}` });
    return new TcpListenerChannel(name, listener, options);
  }

  /** @inheritdoc */
  get peer(): string {
    return this.path ?? `127.0.0.1:${this.port}`;
  }

  async #acceptAll(): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch {
        if (this.#closed) return;
        continue;
      }
      if (this.#closed) {
        conn.close();
        return;
      }
      const remote = conn.remoteAddr;
      this.#options.transcript?.record(this.name, "note", {
        detail: `client connected${
          remote.transport === "unix"
            ? ""
            : ` from ${
              formatAddress((remote as Deno.NetAddr).hostname, (remote as Deno.NetAddr).port)
            }`
        }`,
      });
      this.#pending.push(conn);
      this.#arrived.notify();
    }
  }

  /**
   * Takes the next client, waiting for one until `signal` aborts.
   *
   * On a TLS listener the client's handshake is part of accepting it.
   *
   * @param name The connection's name.
   * @param signal Aborts the wait.
   * @returns The connection, or `undefined` when no client came in time.
   * @throws {TlsHandshakeError} When a TLS client's handshake fails.
   */
  async accept(name: string, signal: AbortSignal): Promise<TcpChannel | undefined> {
    while (this.#pending.length === 0) {
      if (signal.aborted || this.#closed) return undefined;
      await this.#arrived.wait(signal);
    }
    const conn = this.#pending.shift()!;
    const scheme = this.path !== undefined ? "unix" : this.#options.tls ? "tls" : "tcp";
    const channel = TcpChannel.fromAccepted(name, conn, this.#options);
    channel.framing = this.#options.framing;
    this.#options.transcript?.record(name, "connect", {
      detail: `accepted ${scheme}://${channel.peer}`,
    });
    if ("handshake" in conn && typeof conn.handshake === "function") {
      let info: Deno.TlsHandshakeInfo | undefined;
      try {
        info = await untilAborted((conn as Deno.TlsConn).handshake(), signal);
      } catch (error) {
        await channel.close();
        throw new TlsHandshakeError((error as Error).message, { cause: error });
      }
      if (info === undefined) {
        await channel.close();
        return undefined;
      }
      this.#options.transcript?.record(name, "note", {
        detail: `TLS handshake with the client done${
          info.alpnProtocol === null ? "" : `, ALPN "${info.alpnProtocol}"`
        }`,
      });
    }
    return channel;
  }

  /** A listener has no peer to send to. */
  send(): Promise<void> {
    return Promise.reject(
      new SendError(`Cannot send on listener "${this.name}": accept a connection first`, "closed"),
    );
  }

  /** Stops listening and closes clients never accepted; safe twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.transcript?.record(this.name, "close");
    this.#listener.close();
    for (const conn of this.#pending.splice(0)) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
    this.#arrived.notify();
    await this.#accepting;
    if (this.path !== undefined) await Deno.remove(this.path).catch(() => {});
  }

  /** Same as {@linkcode TcpListenerChannel.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
