/**
 * UDP channels. A client "connection" is a socket bound to a free local port
 * that talks to one peer and keeps only that peer's datagrams; a listener is
 * a socket bound to a chosen port that takes datagrams from anyone and
 * answers whoever sent the last one.
 *
 * @module
 */

import { Notifier } from "../notifier.ts";
import type { Transcript } from "../transcript.ts";
import { type Channel, formatAddress, SendError } from "./channel.ts";

/** Options for {@linkcode UdpChannel.open} and {@linkcode UdpChannel.listen}. */
export interface UdpOpenOptions {
  /** Where sends and receives are recorded. */
  transcript?: Transcript;
  /**
   * The most bytes of unread datagrams held, counting 128 bytes of overhead
   * for each; more are dropped and counted in the transcript.
   *
   * @default {1048576}
   */
  maxBuffer?: number;
}

/**
 * What a queued datagram costs beyond its payload (the entry, its address,
 * the array's header), so that a flood of empty datagrams is bounded too.
 */
const DATAGRAM_OVERHEAD = 128;

interface Received {
  readonly datagram: Uint8Array;
  readonly from: Deno.NetAddr;
}

function isIpLiteral(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(":");
}

function requireUdp(name: string): void {
  if (typeof Deno.listenDatagram !== "function") {
    throw new TypeError(
      `Cannot open UDP socket "${name}": UDP needs Deno's unstable "net" API; add "unstable": ["net"] to deno.json or run with --unstable-net`,
    );
  }
}

/**
 * A UDP socket that exchanges datagrams with one peer, or with anyone when
 * it is a listener.
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
  readonly #socket: Deno.DatagramConn;
  readonly #target: Deno.NetAddr | undefined;
  readonly #transcript: Transcript | undefined;
  readonly #maxBuffer: number;
  readonly #queue: Received[] = [];
  #queued = 0;
  #lastPeer: Deno.NetAddr | undefined;
  #dropped = 0;
  #noted = 0;
  readonly #received = new Notifier();
  #closed = false;
  readonly #pump: Promise<void>;

  private constructor(
    name: string,
    socket: Deno.DatagramConn,
    target: Deno.NetAddr | undefined,
    options: UdpOpenOptions,
  ) {
    this.name = name;
    this.#socket = socket;
    this.#target = target;
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
    requireUdp(name);
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

  /**
   * Binds a socket on 127.0.0.1 that takes datagrams from anyone.
   *
   * @param name The listener's name.
   * @param port The port; 0 picks a free one.
   * @param options Transcript and queue limit.
   * @returns The listening channel.
   * @throws {TypeError} When Deno runs without its unstable "net" API.
   * @throws {Deno.errors.AddrInUse} When the port is taken.
   */
  static listen(name: string, port: number, options: UdpOpenOptions = {}): UdpChannel {
    requireUdp(name);
    const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port });
    const channel = new UdpChannel(name, socket, undefined, options);
    options.transcript?.record(name, "connect", {
      detail: `listening on udp://127.0.0.1:${channel.localPort}`,
    });
    return channel;
  }

  /** Whether it takes datagrams from anyone (a listener), not from one peer. */
  get listening(): boolean {
    return this.#target === undefined;
  }

  /** @inheritdoc */
  get peer(): string {
    const peer = this.#target ?? this.#lastPeer;
    return peer === undefined ? "(no peer yet)" : formatAddress(peer.hostname, peer.port);
  }

  /** The local port datagrams are received on. */
  get localPort(): number {
    return (this.#socket.addr as Deno.NetAddr).port;
  }

  #fromPeer(addr: Deno.NetAddr): boolean {
    const target = this.#target;
    if (target === undefined) return true;
    if (addr.port !== target.port) return false;
    return !isIpLiteral(target.hostname) || addr.hostname === target.hostname ||
      target.hostname === "0.0.0.0";
  }

  async #receiveAll(): Promise<void> {
    while (true) {
      let datagram: Uint8Array;
      let from: Deno.Addr;
      try {
        [datagram, from] = await this.#socket.receive();
      } catch (error) {
        if (this.#closed) return;
        // An ICMP error for an earlier send (nobody listening there): keep receiving.
        if (!(error instanceof Deno.errors.BadResource)) continue;
        return;
      }
      if (from.transport !== "udp" || !this.#fromPeer(from)) continue;
      const cost = datagram.length + DATAGRAM_OVERHEAD;
      if (this.#queued + cost > this.#maxBuffer) {
        // A flood is counted, not recorded one by one: the transcript says how many.
        this.#dropped++;
        continue;
      }
      this.#noteDropped();
      const label = this.#target === undefined
        ? { detail: `from ${formatAddress(from.hostname, from.port)}` }
        : {};
      this.#transcript?.record(this.name, "receive", { bytes: datagram, ...label });
      // Right-sized: the runtime may hand out a view on a 64 KiB buffer.
      this.#queue.push({ datagram: datagram.slice(), from });
      this.#queued += cost;
      this.#received.notify();
    }
  }

  /**
   * Waits for the next datagram (from the peer, or from anyone for a
   * listener, whose answers then go to its sender).
   *
   * @param signal Aborts the wait.
   * @returns The datagram, or `undefined` when `signal` aborted first.
   */
  async receive(signal: AbortSignal): Promise<Uint8Array | undefined> {
    if (!(await this.waitForActivity(signal))) return undefined;
    const next = this.#queue.shift();
    if (next === undefined) return undefined;
    this.#queued -= next.datagram.length + DATAGRAM_OVERHEAD;
    this.#lastPeer = next.from;
    return next.datagram;
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
    const to = this.#target ?? this.#lastPeer;
    if (to === undefined) {
      throw new SendError(
        `Cannot answer on "${this.name}": no datagram has been received yet, so there is no peer`,
        "closed",
      );
    }
    this.#transcript?.record(this.name, "send", {
      bytes,
      ...(this.#target === undefined
        ? { detail: `to ${formatAddress(to.hostname, to.port)}` }
        : {}),
    });
    try {
      await this.#socket.send(bytes, to);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new SendError(
        `Cannot send to "udp://${formatAddress(to.hostname, to.port)}": ${message}`,
        "closed",
        {
          cause: error,
        },
      );
    }
  }

  /** Datagrams dropped because the queue was full, since the channel opened. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Records the drops since the last note, once. */
  #noteDropped(): void {
    const count = this.#dropped - this.#noted;
    if (count === 0) return;
    this.#noted = this.#dropped;
    this.#transcript?.record(this.name, "note", {
      detail: `${count} ${
        count === 1 ? "datagram" : "datagrams"
      } dropped: ${this.#queued} bytes of unread datagrams were held (max_buffer ${this.#maxBuffer})`,
    });
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#noteDropped();
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
