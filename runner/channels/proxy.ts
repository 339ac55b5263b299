/**
 * A fault-injecting proxy: listens on a free port of 127.0.0.1 and forwards
 * TCP connections or UDP datagrams to a target, applying faults on the way
 * (see `../faults.ts`). What it does to the traffic is recorded in the
 * transcript: "up: dropped datagram 3 (loss)", "down: delayed 2 bytes by 102ms".
 *
 * @module
 */

import { aborted, type Channel, formatAddress, SendError, writeAll } from "./channel.ts";
import { Deadline } from "../deadline.ts";
import {
  chance,
  datagramFate,
  type Direction,
  type Faults,
  type FaultSet,
  jittered,
} from "../faults.ts";
import type { Transcript } from "../transcript.ts";
import type { Transport } from "../suite.ts";

/** The most bytes a TCP direction holds before it stops reading from its source. */
const MAX_QUEUED = 1024 * 1024;
/** The most TCP connections a proxy relays at once. */
const MAX_TCP_CONNECTIONS = 1024;
/** The most UDP clients a proxy tracks at once. */
const MAX_UDP_CLIENTS = 1024;
/** How long a datagram held back for reordering waits for the next one. */
const REORDER_HOLD_MS = 100;

/** Options for {@linkcode FaultProxy.start}. */
export interface ProxyOptions {
  /** Where what the proxy does is recorded. */
  transcript?: Transcript;
  /**
   * The port to listen on; 0 picks a free one.
   *
   * @default {0}
   */
  port?: number;
  /**
   * The address to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * Called with each thing the proxy does, as it does it (a standalone proxy prints them).
   *
   * @default {undefined}
   */
  onNote?: (detail: string) => void;
  /**
   * Called with what crosses a TCP proxy as it arrives, before any fault: a
   * connection opening, bytes in either direction, an end of stream (for
   * recording sessions).
   *
   * @default {undefined}
   */
  onTraffic?: (event: TrafficEvent) => void;
  /**
   * The most TCP connections relayed at once; more are closed as they come.
   *
   * @default {1024}
   */
  maxConnections?: number;
}

/** What crossed a TCP proxy, as {@linkcode ProxyOptions.onTraffic} sees it. */
export interface TrafficEvent {
  /** The connection's number, from 1. */
  readonly connection: number;
  /** A connection opened, bytes arrived, or one direction ended. */
  readonly kind: "open" | "data" | "end";
  /** Which way, for `data` and `end`. */
  readonly direction?: Direction;
  /** The bytes, for `data`. */
  readonly bytes?: Uint8Array;
  /** When, from `performance.now()`. */
  readonly at: number;
}

/**
 * A proxy in front of a target, applying faults.
 *
 * @example
 * ```ts ignore
 * import { FaultProxy } from "./proxy.ts";
 * const target = { transport: "udp", hostname: "127.0.0.1", port: 9000 } as const;
 * const faults = { up: { loss: 0.3 }, down: {}, seed: 7, refuse: false };
 * await using proxy = FaultProxy.start("net", target, faults);
 * ```
 */
export class FaultProxy implements Channel {
  /** @inheritdoc */
  readonly name: string;
  /** @inheritdoc */
  readonly transport: Transport;
  /** The port it listens on. */
  readonly port: number;
  /** The address it listens on. */
  readonly hostname: string;
  readonly #target: { hostname: string; port: number };
  readonly #faults: Faults;
  readonly #transcript: Transcript | undefined;
  readonly #onNote: ((detail: string) => void) | undefined;
  readonly #onTraffic: ((event: TrafficEvent) => void) | undefined;
  readonly #maxConnections: number;
  readonly #stopping = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  readonly #closers = new Set<() => void>();
  #closed = false;

  private constructor(
    name: string,
    transport: Transport,
    address: { hostname: string; port: number },
    target: { hostname: string; port: number },
    faults: Faults,
    options: ProxyOptions,
  ) {
    this.name = name;
    this.transport = transport;
    this.hostname = address.hostname;
    this.port = address.port;
    this.#target = target;
    this.#faults = faults;
    this.#transcript = options.transcript;
    this.#onNote = options.onNote;
    this.#onTraffic = options.onTraffic;
    this.#maxConnections = options.maxConnections ?? MAX_TCP_CONNECTIONS;
    this.#note(
      `proxy on ${transport}://${formatAddress(this.hostname, this.port)} to ${transport}://${
        formatAddress(target.hostname, target.port)
      }`,
    );
  }

  /**
   * Starts a proxy to `target`.
   *
   * @param name The proxy's name, for the transcript.
   * @param target Where it forwards to, TCP or UDP.
   * @param faults What it does to the traffic.
   * @param options Transcript, and where to listen.
   * @returns The running proxy.
   * @throws {Deno.errors.AddrInUse} When the port is taken.
   */
  static start(
    name: string,
    target: { transport: Transport; hostname: string; port: number },
    faults: Faults,
    options: ProxyOptions = {},
  ): FaultProxy {
    const hostname = options.hostname ?? "127.0.0.1";
    if (target.transport === "udp") {
      const socket = Deno.listenDatagram({ hostname, port: options.port ?? 0, transport: "udp" });
      const port = (socket.addr as Deno.NetAddr).port;
      const proxy = new FaultProxy(
        name,
        "udp",
        { hostname, port },
        target,
        faults,
        options,
      );
      proxy.#closers.add(() => socket.close());
      proxy.#track(proxy.#serveUdp(socket));
      return proxy;
    }
    const listener = Deno.listen({ hostname, port: options.port ?? 0, transport: "tcp" });
    const port = listener.addr.port;
    const proxy = new FaultProxy(
      name,
      "tcp",
      { hostname, port },
      target,
      faults,
      options,
    );
    if (faults.refuse) {
      // Down: nothing listens, so connects are refused.
      listener.close();
      proxy.#note("down: refusing connections");
      return proxy;
    }
    proxy.#closers.add(() => listener.close());
    proxy.#track(proxy.#serveTcp(listener));
    return proxy;
  }

  /** @inheritdoc */
  get peer(): string {
    return formatAddress(this.#target.hostname, this.#target.port);
  }

  #note(detail: string): void {
    this.#transcript?.record(this.name, "note", { detail });
    this.#onNote?.(detail);
  }

  #track(task: Promise<void>): void {
    const tracked = task.catch(() => {}).finally(() => this.#tasks.delete(tracked));
    this.#tasks.add(tracked);
  }

  /** Waits `ms` unless the proxy stops first; `false` when it stopped. */
  async #wait(ms: number): Promise<boolean> {
    if (ms <= 0) return !this.#stopping.signal.aborted;
    using deadline = new Deadline(ms, [this.#stopping.signal]);
    await aborted(deadline.signal);
    return !this.#stopping.signal.aborted;
  }

  async #serveTcp(listener: Deno.TcpListener): Promise<void> {
    let clients = 0;
    let relaying = 0;
    while (!this.#stopping.signal.aborted) {
      let client: Deno.TcpConn;
      try {
        client = await listener.accept();
      } catch {
        if (this.#stopping.signal.aborted) return;
        continue;
      }
      const number = ++clients;
      if (relaying >= this.#maxConnections) {
        // Bounded: a flood of connections is turned away, not relayed.
        this.#note(
          `connection ${number}: closed at once, ${this.#maxConnections} connections are open`,
        );
        client.close();
        continue;
      }
      relaying++;
      this.#track(this.#relay(client, number).finally(() => relaying--));
    }
  }

  async #relay(client: Deno.TcpConn, number: number): Promise<void> {
    let server: Deno.TcpConn;
    try {
      server = await Deno.connect({ ...this.#target, transport: "tcp" });
    } catch (error) {
      this.#note(`connection ${number}: cannot reach the target: ${(error as Error).message}`);
      client.close();
      return;
    }
    client.setNoDelay(true);
    server.setNoDelay(true);
    this.#onTraffic?.({ connection: number, kind: "open", at: performance.now() });
    let open = true;
    const closeBoth = (): void => {
      if (!open) return;
      open = false;
      for (const conn of [client, server]) {
        try {
          conn.close();
        } catch {
          // Closed already.
        }
      }
    };
    this.#closers.add(closeBoth);
    try {
      await Promise.all([
        this.#pump(client, server, "up", { number, closeBoth }),
        this.#pump(server, client, "down", { number, closeBoth }),
      ]);
    } finally {
      closeBoth();
      this.#closers.delete(closeBoth);
    }
  }

  /** Forwards one direction of a TCP connection, applying its faults. */
  async #pump(
    from: Deno.TcpConn,
    to: Deno.TcpConn,
    direction: Direction,
    connection: { number: number; closeBoth: () => void },
  ): Promise<void> {
    const faults: FaultSet = direction === "up" ? this.#faults.up : this.#faults.down;
    const started = performance.now();
    let forwarded = 0;
    let queued = 0;
    let index = 0;
    let stalled = false;
    let pacedUntil = 0;
    let delivering: Promise<boolean> = Promise.resolve(true);
    const buffer = new Uint8Array(64 * 1024);
    const label = `${direction} (connection ${connection.number})`;
    while (true) {
      let count: number | null;
      try {
        count = await from.read(buffer);
      } catch {
        count = null;
      }
      if (count === null) {
        this.#onTraffic?.({
          connection: connection.number,
          kind: "end",
          direction,
          at: performance.now(),
        });
        await delivering;
        if (faults.slowClose !== undefined) {
          this.#note(`${label}: end of stream held for ${faults.slowClose}ms`);
          await this.#wait(faults.slowClose);
        }
        try {
          await to.closeWrite();
        } catch {
          // The other side is gone.
        }
        return;
      }
      const arrived = performance.now();
      this.#onTraffic?.({
        connection: connection.number,
        kind: "data",
        direction,
        bytes: buffer.slice(0, count),
        at: arrived,
      });
      if (faults.timeout !== undefined && arrived - started >= faults.timeout) {
        if (!stalled) {
          this.#note(
            `${label}: stalled after ${faults.timeout}ms: bytes dropped, connection kept open`,
          );
        }
        stalled = true;
        continue;
      }
      let chunk = buffer.slice(0, count);
      index++;
      if (faults.limit !== undefined && forwarded + queued + chunk.length > faults.limit) {
        chunk = chunk.subarray(0, Math.max(0, faults.limit - forwarded - queued));
      }
      const wait = faults.latency === undefined && faults.jitter === undefined ? 0 : jittered(
        faults.latency ?? 0,
        faults.jitter ?? 0,
        chance(this.#faults.seed, direction, index, "jitter"),
      );
      const due = arrived + wait;
      const piece = chunk;
      const number = index;
      queued += piece.length;
      delivering = delivering.then(async (ok) => {
        if (!ok) return false;
        if (wait > 0) {
          this.#note(`${label}: delayed ${piece.length} bytes by ${Math.round(wait)}ms`);
          if (!(await this.#wait(due - performance.now()))) return false;
        }
        const pieces = faults.slice === undefined ? [piece] : slices(piece, faults.slice.size);
        for (const [i, part] of pieces.entries()) {
          if (i > 0 && !(await this.#wait(faults.slice!.delay))) return false;
          // With a bandwidth, bytes leave in steps of 20ms worth, each when the rate allows.
          const steps = faults.bandwidth === undefined
            ? [part]
            : slices(part, Math.max(1, Math.floor(faults.bandwidth / 50)));
          for (const step of steps) {
            if (faults.bandwidth !== undefined) {
              pacedUntil = Math.max(pacedUntil, performance.now());
              if (!(await this.#wait(pacedUntil - performance.now()))) return false;
              pacedUntil += (step.length / faults.bandwidth) * 1000;
            }
            try {
              await writeAll(to, step);
            } catch {
              return false;
            }
            forwarded += step.length;
            queued -= step.length;
          }
        }
        if (faults.slice !== undefined && pieces.length > 1) {
          this.#note(`${label}: chunk ${number} sent in ${pieces.length} slices`);
        }
        if (faults.limit !== undefined && forwarded >= faults.limit) {
          this.#note(`${label}: limit of ${faults.limit} bytes reached: connection closed`);
          connection.closeBoth();
          return false;
        }
        return true;
      });
      // Bounded: stop reading while a megabyte waits to be delivered.
      if (
        queued > MAX_QUEUED || (faults.limit !== undefined && forwarded + queued >= faults.limit)
      ) {
        if (!(await delivering)) return;
      }
    }
  }

  async #serveUdp(socket: Deno.DatagramConn): Promise<void> {
    const clients = new Map<string, { upstream: Deno.DatagramConn; from: Deno.NetAddr }>();
    // Each direction sends in order: a delivery waits for the one before it.
    const state = {
      up: {
        index: 0,
        sent: 0,
        held: undefined as (() => Promise<void>) | undefined,
        chain: Promise.resolve(),
      },
      down: {
        index: 0,
        sent: 0,
        held: undefined as (() => Promise<void>) | undefined,
        chain: Promise.resolve(),
      },
    };
    const forward = (
      direction: Direction,
      datagram: Uint8Array,
      send: (bytes: Uint8Array) => Promise<void>,
    ): void => {
      const faults = direction === "up" ? this.#faults.up : this.#faults.down;
      const counters = state[direction];
      const index = ++counters.index;
      const fate = datagramFate(faults, {
        seed: this.#faults.seed,
        direction,
        index,
        size: datagram.length,
        sent: counters.sent,
      });
      if (fate.dropped !== undefined) {
        this.#note(`${direction}: dropped datagram ${index} (${fate.dropped})`);
        return;
      }
      counters.sent += datagram.length;
      let bytes = datagram;
      if (fate.corruptedAt !== undefined) {
        bytes = datagram.slice();
        bytes[fate.corruptedAt] = bytes[fate.corruptedAt]! ^ 0xff;
        this.#note(`${direction}: corrupted byte ${fate.corruptedAt} of datagram ${index}`);
      }
      const deliver = async (): Promise<void> => {
        if (fate.delay > 0) {
          this.#note(`${direction}: delayed datagram ${index} by ${Math.round(fate.delay)}ms`);
          if (!(await this.#wait(fate.delay))) return;
        }
        await send(bytes).catch(() => {});
        if (fate.duplicated) {
          this.#note(`${direction}: duplicated datagram ${index}`);
          await send(bytes).catch(() => {});
        }
      };
      const held = counters.held;
      counters.held = undefined;
      if (fate.reordered && held === undefined) {
        // Held back: it goes after the next datagram, or when no other comes soon.
        this.#note(`${direction}: held datagram ${index} back, to send after the next`);
        let released = false;
        const release = async (): Promise<void> => {
          if (released) return;
          released = true;
          await deliver();
        };
        counters.held = release;
        this.#track((async () => {
          if (await this.#wait(REORDER_HOLD_MS) && counters.held === release) {
            counters.held = undefined;
            counters.chain = counters.chain.then(release);
            await counters.chain;
          }
        })());
        return;
      }
      counters.chain = counters.chain.then(async () => {
        await deliver();
        if (held !== undefined) await held();
      });
      this.#track(counters.chain);
    };
    while (!this.#stopping.signal.aborted) {
      let datagram: Uint8Array;
      let from: Deno.Addr;
      try {
        [datagram, from] = await socket.receive();
      } catch {
        if (this.#stopping.signal.aborted) return;
        continue;
      }
      const address = from as Deno.NetAddr;
      const key = formatAddress(address.hostname, address.port);
      let client = clients.get(key);
      if (client === undefined) {
        if (clients.size >= MAX_UDP_CLIENTS) {
          this.#note(
            `up: dropped a datagram from a new client ${key}: ${MAX_UDP_CLIENTS} clients already`,
          );
          continue;
        }
        const upstream = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
        client = { upstream, from: address };
        clients.set(key, client);
        this.#closers.add(() => upstream.close());
        const replyTo = address;
        this.#track((async () => {
          while (!this.#stopping.signal.aborted) {
            let reply: Uint8Array;
            try {
              [reply] = await upstream.receive();
            } catch {
              return;
            }
            forward("down", reply, async (bytes) => {
              await socket.send(bytes, replyTo);
            });
          }
        })());
      }
      const upstream = client.upstream;
      forward("up", datagram, async (bytes) => {
        await upstream.send(bytes, { transport: "udp", ...this.#target });
      });
    }
  }

  /** A proxy is not a peer to send to. */
  send(): Promise<void> {
    return Promise.reject(
      new SendError(
        `Cannot send on proxy "${this.name}": connect to \${${this.name}.port}`,
        "closed",
      ),
    );
  }

  /** Stops the proxy and every connection through it; safe twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopping.abort();
    this.#note("proxy closed");
    for (const close of [...this.#closers]) {
      try {
        close();
      } catch {
        // Closed already.
      }
    }
    await Promise.all([...this.#tasks]);
  }

  /** Same as {@linkcode FaultProxy.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function slices(bytes: Uint8Array, size: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
  return parts.length === 0 ? [bytes] : parts;
}
