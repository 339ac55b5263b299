/**
 * TLS over an open TCP connection, for `tls://` addresses, `connect: { tls }`
 * and `starttls`. A verifying connection uses Deno's own TLS
 * (`Deno.startTls`, rustls). Deno has no per-connection way to skip
 * verification or to present a client certificate on an existing
 * connection, so `insecure` and `cert`/`key` connections use `node:tls`
 * over the same TCP connection: each option affects its own connection only.
 *
 * @module
 */

import type { Duplex as DuplexType } from "node:stream";
import type { TLSSocket } from "node:tls";
import { type ByteConn, TlsHandshakeError, untilAborted, writeAll } from "./channel.ts";

/** TLS options with their files read. */
export interface TlsClientOptions {
  /** PEM certificates trusted besides the system's. */
  readonly ca?: readonly string[];
  /** The name sent (SNI) and verified; the host connected to by default. */
  readonly servername?: string;
  /** Skip verification: any certificate, any name. */
  readonly insecure?: boolean;
  /** A client certificate, PEM. */
  readonly cert?: string;
  /** The client certificate's key, PEM. */
  readonly key?: string;
  /** Protocols offered with ALPN. */
  readonly alpn?: readonly string[];
}

/** A finished handshake. */
export interface TlsSession {
  /** The encrypted stream. */
  readonly conn: ByteConn;
  /** What the handshake settled, for the transcript: `TLSv1.3, ALPN "h2", peer CN=localhost until …`. */
  readonly detail: string;
}

/**
 * Runs the client side of a TLS handshake on an open TCP connection. The
 * connection belongs to the session afterwards; on failure it is closed.
 *
 * @example
 * ```ts ignore
 * import { startTlsClient } from "./tls.ts";
 * const tcp = await Deno.connect({ hostname: "127.0.0.1", port: 6380 });
 * const session = await startTlsClient(tcp, "127.0.0.1", { insecure: true }, AbortSignal.timeout(1000));
 * ```
 *
 * @param conn The TCP connection.
 * @param hostname The host it goes to: the name verified unless `servername` says otherwise.
 * @param options CA, name, verification, client certificate, ALPN.
 * @param signal The step's deadline.
 * @returns The session, or `undefined` when the deadline passed first.
 * @throws {TlsHandshakeError} When the handshake fails.
 */
export async function startTlsClient(
  conn: Deno.TcpConn,
  hostname: string,
  options: TlsClientOptions,
  signal: AbortSignal,
): Promise<TlsSession | undefined> {
  const servername = options.servername ?? hostname;
  const native = !options.insecure && options.cert === undefined;
  const handshake = native
    ? nativeHandshake(conn, servername, options)
    : nodeHandshake(conn, servername, options);
  let session: TlsSession | undefined;
  try {
    session = await untilAborted(handshake, signal);
  } catch (error) {
    closeQuietly(conn);
    if (error instanceof TlsHandshakeError) throw error;
    throw new TlsHandshakeError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  if (session === undefined) {
    // Whatever the handshake still yields must not leak.
    handshake.then((late) => late.conn.close(), () => {});
    closeQuietly(conn);
  }
  return session;
}

function closeQuietly(conn: ByteConn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}

async function nativeHandshake(
  conn: Deno.TcpConn,
  servername: string,
  options: TlsClientOptions,
): Promise<TlsSession> {
  const tls = await Deno.startTls(conn, {
    hostname: servername,
    ...(options.ca === undefined ? {} : { caCerts: [...options.ca] }),
    ...(options.alpn === undefined ? {} : { alpnProtocols: [...options.alpn] }),
  });
  let info: Deno.TlsHandshakeInfo;
  try {
    info = await tls.handshake();
  } catch (error) {
    closeQuietly(tls);
    throw new TlsHandshakeError((error as Error).message, { cause: error });
  }
  return {
    conn: tls,
    detail: `TLS handshake with "${servername}" verified${
      info.alpnProtocol === null ? "" : `, ALPN "${info.alpnProtocol}"`
    }`,
  };
}

async function nodeHandshake(
  conn: Deno.TcpConn,
  servername: string,
  options: TlsClientOptions,
): Promise<TlsSession> {
  // Loaded only when needed: node:tls costs tens of milliseconds to load.
  const [{ connect, checkServerIdentity }, { Duplex }] = await Promise.all([
    import("node:tls"),
    import("node:stream"),
  ]);
  const socket = connect({
    socket: denoConnAsDuplex(conn, Duplex),
    // An IP address is no SNI name.
    ...(/^[\d.]+$|:/.test(servername) ? {} : { servername }),
    rejectUnauthorized: !options.insecure,
    ...(options.ca === undefined ? {} : { ca: [...options.ca] }),
    ...(options.cert === undefined ? {} : { cert: options.cert }),
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.alpn === undefined ? {} : { ALPNProtocols: [...options.alpn] }),
    // The name to verify is ours, not the (IP) address the socket goes to.
    checkServerIdentity: options.insecure
      ? (): undefined => undefined
      : (_host, cert): Error | undefined => checkServerIdentity(servername, cert),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    socket.once("error", (error: Error) => {
      socket.destroy();
      reject(new TlsHandshakeError(error.message, { cause: error }));
    });
  });
  const peer = socket.getPeerCertificate();
  const parts = [
    socket.getProtocol() ?? "TLS",
    ...(typeof socket.alpnProtocol === "string" ? [`ALPN "${socket.alpnProtocol}"`] : []),
    ...(peer?.subject?.CN === undefined
      ? []
      : [`peer CN=${peer.subject.CN}${peer.valid_to ? ` until ${peer.valid_to}` : ""}`]),
  ];
  return {
    conn: new NodeTlsConn(socket),
    detail: `TLS handshake with "${servername}" ${
      options.insecure ? "not verified (insecure)" : "verified"
    }: ${parts.join(", ")}`,
  };
}

/** A Deno TCP connection as the Node stream `node:tls` wraps. */
function denoConnAsDuplex(conn: Deno.TcpConn, Duplex: typeof DuplexType): DuplexType {
  let pumping = false;
  const duplex: DuplexType = new Duplex({
    read(): void {
      if (pumping) return;
      pumping = true;
      (async () => {
        const chunk = new Uint8Array(16 * 1024);
        try {
          while (true) {
            const count = await conn.read(chunk);
            if (count === null) {
              duplex.push(null);
              return;
            }
            // Stop when the reader is full; read() starts us again.
            if (!duplex.push(chunk.slice(0, count))) return;
          }
        } catch (error) {
          duplex.destroy(error as Error);
        } finally {
          pumping = false;
        }
      })();
    },
    write(chunk: Uint8Array, _encoding, callback): void {
      writeAll(conn, chunk).then(() => callback(), (error) => callback(error));
    },
    final(callback): void {
      conn.closeWrite().then(() => callback(), () => callback());
    },
    destroy(error, callback): void {
      closeQuietly(conn);
      callback(error);
    },
  });
  return duplex;
}

/** How much a TLS socket may read ahead of the steps before it pauses. */
const READ_AHEAD = 64 * 1024;

/** A `node:tls` socket as the byte stream a channel reads and writes. */
class NodeTlsConn implements ByteConn {
  readonly #socket: TLSSocket;
  readonly #chunks: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: TLSSocket) {
    this.#socket = socket;
    socket.on("data", (data: Uint8Array) => {
      this.#chunks.push(data);
      this.#queued += data.length;
      if (this.#queued > READ_AHEAD) socket.pause();
      this.#wake?.();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on("error", (error: Error) => {
      this.#error = error;
      this.#wake?.();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wake?.();
    });
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
    const first = this.#chunks[0]!;
    const count = Math.min(first.length, buffer.length);
    buffer.set(first.subarray(0, count));
    if (count === first.length) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(count);
    this.#queued -= count;
    if (this.#queued <= READ_AHEAD) this.#socket.resume();
    return count;
  }

  write(bytes: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#socket.destroyed) {
        reject(this.#error ?? new Deno.errors.BrokenPipe("The TLS connection is closed"));
        return;
      }
      this.#socket.write(bytes, (error) => error ? reject(error) : resolve(bytes.length));
    });
  }

  closeWrite(): Promise<void> {
    return new Promise((resolve) => this.#socket.end(() => resolve()));
  }

  close(): void {
    this.#socket.destroy();
    this.#ended = true;
    this.#wake?.();
  }
}
