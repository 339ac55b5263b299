/**
 * UDP "connections": a socket bound to a free local port that talks to one
 * peer, keeping the datagrams that peer sends in a queue.
 *
 * @module
 */

import { Notifier } from "../notifier.ts";
import type { Transcript } from "../transcript.ts";
import { type Channel, formatAddress, SendError } from "./channel.ts";

/** Options for {@linkcode UdpChannel.open}. */
export interface UdpOpenOptions {
  /** Where sends and receives are recorded. */
  transcript?: Transcript;
  /**
   * The most bytes of unread datagrams held; more are dropped and noted.
   *
   * @default {1048576}
   */
  maxBuffer?: number;
}

function isIpLiteral(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(":");
}

/**
 * A UDP socket that exchanges datagrams with one peer.
 *
 * @example
 * ```ts ignore
 * import { UdpChannel } from "./udp.ts";
 * await using channel = UdpChannel.open("main", { hostname: "127.0.0.1", port: 7 });
 * await channel.send(new TextEncoder().encode("ping"), AbortSignal.timeout(1000));
 * const reply = await channel.receive(AbortSignal.timeout(1000));
 * ```
 */
export class UdpChannel implements Channel {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly transport = "udp" as const;
  /** @inheritdoc */
  readonly peer: string;
  readonly #socket: Deno.DatagramConn;
  readonly #target: Deno.NetAddr;
  readonly #transcript: Transcript | undefined;
  readonly #maxBuffer: number;
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  readonly #received = new Notifier();
  #closed = false;
  readonly #pump: Promise<void>;

  private constructor(
    name: string,
    socket: Deno.DatagramConn,
    target: Deno.NetAddr,
    options: UdpOpenOptions,
  ) {
    this.name = name;
    this.#socket = socket;
    this.#target = target;
    this.peer = formatAddress(target.hostname, target.port);
    this.#transcript = options.transcript;
    this.#maxBuffer = options.maxBuffer ?? 1024 * 1024;
    this.#pump = this.#receiveAll();
  }

  /**
   * Binds a local socket for talking to `address`.
   *
   * @param name The channel's name.
   * @param address The peer.
   * @param options Transcript and queue limit.
   * @returns The open channel.
   * @throws {TypeError} When Deno runs without its unstable "net" API.
   */
  static open(
    name: string,
    address: { hostname: string; port: number },
    options: UdpOpenOptions = {},
  ): UdpChannel {
    if (typeof Deno.listenDatagram !== "function") {
      throw new TypeError(
        `Cannot open UDP connection "${name}": UDP needs Deno's unstable "net" API; add "unstable": ["net"] to deno.json or run with --unstable-net`,
      );
    }
    const hostname = address.hostname === "localhost" ? "127.0.0.1" : address.hostname;
    const local = hostname.includes(":")
      ? "::"
      : hostname.startsWith("127.")
      ? "127.0.0.1"
      : "0.0.0.0";
    const socket = Deno.listenDatagram({ transport: "udp", hostname: local, port: 0 });
    const target: Deno.NetAddr = { transport: "udp", hostname, port: address.port };
    options.transcript?.record(name, "connect", {
      detail: `udp://${formatAddress(hostname, address.port)}`,
    });
    return new UdpChannel(name, socket, target, options);
  }

  /** The local port datagrams are sent from. */
  get localPort(): number {
    return (this.#socket.addr as Deno.NetAddr).port;
  }

  #fromPeer(addr: Deno.Addr): boolean {
    if (addr.transport !== "udp") return false;
    if (addr.port !== this.#target.port) return false;
    return !isIpLiteral(this.#target.hostname) || addr.hostname === this.#target.hostname ||
      this.#target.hostname === "0.0.0.0";
  }

  async #receiveAll(): Promise<void> {
    while (true) {
      let datagram: Uint8Array;
      let from: Deno.Addr;
      try {
        [datagram, from] = await this.#socket.receive();
      } catch (error) {
        if (!this.#closed) {
          const message = error instanceof Error ? error.message : String(error);
          this.#transcript?.record(this.name, "end", { detail: message });
        }
        return;
      }
      if (!this.#fromPeer(from)) continue;
      if (this.#queued + datagram.length > this.#maxBuffer) {
        this.#transcript?.record(this.name, "note", {
          detail:
            `dropped a datagram of ${datagram.length} bytes: ${this.#queued} unread bytes held`,
        });
        continue;
      }
      this.#transcript?.record(this.name, "receive", { bytes: datagram });
      this.#queue.push(datagram);
      this.#queued += datagram.length;
      this.#received.notify();
    }
  }

  /**
   * Waits for the next datagram from the peer.
   *
   * @param signal Aborts the wait.
   * @returns The datagram, or `undefined` when `signal` aborted first.
   */
  async receive(signal: AbortSignal): Promise<Uint8Array | undefined> {
    if (!(await this.waitForActivity(signal))) return undefined;
    const datagram = this.#queue.shift();
    if (datagram !== undefined) this.#queued -= datagram.length;
    return datagram;
  }

  /**
   * Waits until a datagram is queued (`true`) or `signal` aborts (`false`).
   *
   * @param signal Aborts the wait.
   * @returns Whether a datagram is waiting.
   */
  async waitForActivity(signal: AbortSignal): Promise<boolean> {
    while (this.#queue.length === 0) {
      if (signal.aborted || this.#closed) return false;
      await this.#received.wait(signal);
    }
    return true;
  }

  /** @inheritdoc */
  async send(bytes: Uint8Array, _signal: AbortSignal): Promise<void> {
    this.#transcript?.record(this.name, "send", { bytes });
    try {
      await this.#socket.send(bytes, this.#target);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new SendError(`Cannot send to "udp://${this.peer}": ${message}`, "closed", {
        cause: error,
      });
    }
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#transcript?.record(this.name, "close");
    this.#socket.close();
    this.#received.notify();
    await this.#pump;
  }

  /** @inheritdoc */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
