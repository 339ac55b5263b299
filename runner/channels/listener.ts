/**
 * TCP listeners, for testing clients: Parley plays the server.
 *
 * @module
 */

import { Notifier } from "../notifier.ts";
import type { Transcript } from "../transcript.ts";
import { type Channel, formatAddress, SendError } from "./channel.ts";
import { TcpChannel } from "./tcp.ts";

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
  /** The port it listens on. */
  readonly port: number;
  readonly #listener: Deno.TcpListener;
  readonly #options: ListenOptions;
  readonly #pending: Deno.TcpConn[] = [];
  readonly #arrived = new Notifier();
  readonly #accepting: Promise<void>;
  #closed = false;

  private constructor(name: string, listener: Deno.TcpListener, options: ListenOptions) {
    this.name = name;
    this.#listener = listener;
    this.port = listener.addr.port;
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
    const listener = Deno.listen({ hostname: "127.0.0.1", port, transport: "tcp" });
    options.transcript?.record(name, "connect", {
      detail: `listening on tcp://127.0.0.1:${listener.addr.port}`,
    });
    return new TcpListenerChannel(name, listener, options);
  }

  /** @inheritdoc */
  get peer(): string {
    return `127.0.0.1:${this.port}`;
  }

  async #acceptAll(): Promise<void> {
    while (true) {
      let conn: Deno.TcpConn;
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
        detail: `client connected from ${formatAddress(remote.hostname, remote.port)}`,
      });
      this.#pending.push(conn);
      this.#arrived.notify();
    }
  }

  /**
   * Takes the next client, waiting for one until `signal` aborts.
   *
   * @param name The connection's name.
   * @param signal Aborts the wait.
   * @returns The connection, or `undefined` when no client came in time.
   */
  async accept(name: string, signal: AbortSignal): Promise<TcpChannel | undefined> {
    while (this.#pending.length === 0) {
      if (signal.aborted || this.#closed) return undefined;
      await this.#arrived.wait(signal);
    }
    const conn = this.#pending.shift()!;
    const channel = TcpChannel.fromConn(name, conn, this.#options);
    this.#options.transcript?.record(name, "connect", { detail: `accepted tcp://${channel.peer}` });
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
  }

  /** Same as {@linkcode TcpListenerChannel.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
