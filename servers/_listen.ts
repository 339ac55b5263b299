// The listening and bookkeeping every reference server shares.

export { writeAll } from "../runner/channels/channel.ts";

/** A running reference server. */
export interface ReferenceServer extends AsyncDisposable {
  /** Which server this is. */
  readonly name: string;
  /** The address it listens on. */
  readonly hostname: string;
  /** The port it listens on, for TCP and (where served) UDP; 0 on a Unix socket. */
  readonly port: number;
  /** The Unix socket it listens on, when it does. */
  readonly path?: string;
  /** Whether it speaks TLS. */
  readonly tls: boolean;
  /** Stops accepting, closes every client and waits for them; safe twice. */
  close(): Promise<void>;
}

/** Options for starting a reference server. */
export interface ServerOptions {
  /**
   * The address to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The port; 0 picks a free one.
   *
   * @default {0}
   */
  port?: number;
  /**
   * Serve TLS on the port (no UDP then) with this certificate and key, PEM.
   *
   * @default {undefined}
   */
  tls?: { readonly cert: string; readonly key: string };
  /**
   * Listen on this Unix socket instead of a port (no UDP then). The socket
   * file is removed when the server stops.
   *
   * @default {undefined}
   */
  path?: string;
}

/** What a server does with its clients. */
export interface ServerHandlers {
  /** Serves one stream client (TCP, TLS or Unix socket) until it leaves or `signal` aborts. */
  tcp: (conn: Deno.Conn, signal: AbortSignal) => Promise<void>;
  /** Serves the UDP socket until it is closed, when the server speaks UDP. */
  udp?: (socket: Deno.DatagramConn) => Promise<void>;
}

const BIND_ATTEMPTS = 20;

function bind(
  hostname: string,
  port: number,
  wantUdp: boolean,
  options: ServerOptions,
): { listener: Deno.Listener; socket: Deno.DatagramConn | undefined } {
  if (options.path !== undefined) {
    return { listener: Deno.listen({ path: options.path, transport: "unix" }), socket: undefined };
  }
  if (options.tls !== undefined) {
    const { cert, key } = options.tls;
    return { listener: Deno.listenTls({ hostname, port, cert, key }), socket: undefined };
  }
  for (let attempt = 1;; attempt++) {
    const listener = Deno.listen({ hostname, port, transport: "tcp" });
    // UDP needs Deno's unstable "net" API; without it the server speaks TCP only.
    if (!wantUdp || typeof Deno.listenDatagram !== "function") {
      return { listener, socket: undefined };
    }
    try {
      const socket = Deno.listenDatagram({
        hostname,
        port: listener.addr.port,
        transport: "udp",
      });
      return { listener, socket };
    } catch (error) {
      listener.close();
      // With a free port chosen for TCP, the same UDP port may be taken: try another.
      if (port !== 0 || !(error instanceof Deno.errors.AddrInUse) || attempt >= BIND_ATTEMPTS) {
        throw error;
      }
    }
  }
}

/** Clients at once after which the server reclaims memory when the last one leaves. */
const RECLAIM_AFTER_CLIENTS = 256;

let collect: Promise<(() => void) | undefined> | undefined;

/**
 * Runs a full garbage collection once a crowd has left. V8 collects only
 * when JavaScript allocates, so an idle server would keep the garbage of
 * thousands of departed clients for ever; one collection when the last of
 * them leaves brings it back near its idle size.
 */
function reclaimMemory(): void {
  collect ??= (async () => {
    try {
      const { default: v8 } = await import("node:v8");
      const { default: vm } = await import("node:vm");
      v8.setFlagsFromString("--expose-gc");
      return vm.runInNewContext("gc") as () => void;
    } catch {
      return undefined;
    }
  })();
  collect.then((gc) => gc?.());
}

/**
 * Listens for TCP (and UDP on the same port) and serves each client with the
 * handlers. A client's failure never stops the server.
 *
 * @param name The server's name.
 * @param handlers What to do with clients.
 * @param options Where to listen.
 * @returns The running server.
 */
export function listen(
  name: string,
  handlers: ServerHandlers,
  options: ServerOptions = {},
): ReferenceServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const { listener, socket } = bind(
    hostname,
    options.port ?? 0,
    handlers.udp !== undefined,
    options,
  );
  const stopping = new AbortController();
  const clients = new Map<Deno.Conn, Promise<void>>();
  /** The most clients at once since memory was last reclaimed. */
  let peak = 0;

  async function serveClient(conn: Deno.Conn): Promise<void> {
    try {
      await handlers.tcp(conn, stopping.signal);
    } catch {
      // One client's reset or garbage must not take the server down.
    } finally {
      try {
        conn.close();
      } catch {
        // Already closed by the handler.
      }
      clients.delete(conn);
      if (clients.size === 0 && peak >= RECLAIM_AFTER_CLIENTS) {
        peak = 0;
        reclaimMemory();
      }
    }
  }

  async function acceptAll(): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (stopping.signal.aborted) return;
        // Out of file descriptors or a client that vanished mid-handshake: keep serving.
        if (error instanceof Deno.errors.BadResource) return;
        continue;
      }
      // Small replies must not wait for the client's delayed ACK (Nagle).
      if ("setNoDelay" in conn && typeof conn.setNoDelay === "function") conn.setNoDelay(true);
      clients.set(conn, serveClient(conn));
      peak = Math.max(peak, clients.size);
    }
  }

  const accepting = acceptAll();
  const datagrams = socket === undefined || handlers.udp === undefined
    ? Promise.resolve()
    : handlers.udp(socket).catch(() => {});
  let closing: Promise<void> | undefined;

  function close(): Promise<void> {
    closing ??= (async () => {
      stopping.abort();
      listener.close();
      socket?.close();
      for (const conn of clients.keys()) {
        try {
          conn.close();
        } catch {
          // Closed by its handler meanwhile.
        }
      }
      await Promise.all([accepting, datagrams, ...clients.values()]);
      if (options.path !== undefined) await Deno.remove(options.path).catch(() => {});
    })();
    return closing;
  }

  const address = listener.addr;
  return {
    name,
    hostname: address.transport === "unix" ? options.path! : hostname,
    port: address.transport === "unix" ? 0 : (address as Deno.NetAddr).port,
    ...(options.path === undefined ? {} : { path: options.path }),
    tls: options.tls !== undefined,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Serves each UDP datagram with a reply computed from it.
 *
 * @param socket The bound socket.
 * @param reply Computes the reply.
 */
export async function answerDatagrams(
  socket: Deno.DatagramConn,
  reply: (datagram: Uint8Array) => Uint8Array,
): Promise<void> {
  while (true) {
    let datagram: Uint8Array;
    let from: Deno.Addr;
    try {
      [datagram, from] = await socket.receive();
    } catch (error) {
      if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
        return;
      }
      // An ICMP error from an earlier reply to a vanished client: keep serving.
      continue;
    }
    try {
      await socket.send(reply(datagram), from);
    } catch {
      // The sender is gone; others are still served.
    }
  }
}
