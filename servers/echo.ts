/**
 * The echo server: TCP sends back every byte until the client closes; UDP
 * sends each datagram back to its sender.
 *
 * @module
 */

import {
  answerDatagrams,
  listen,
  type ReferenceServer,
  type ServerOptions,
  writeAll,
} from "./_listen.ts";

export type { ReferenceServer, ServerOptions };

/**
 * Starts the echo server on TCP and UDP, one port.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { startEchoServer } from "./echo.ts";
 * await using server = startEchoServer({ port: 0 });
 * assert(server.port > 0);
 * ```
 *
 * @param options Where to listen.
 * @returns The running server.
 */
export function startEchoServer(options: ServerOptions = {}): ReferenceServer {
  return listen("echo", {
    async tcp(conn): Promise<void> {
      const chunk = new Uint8Array(64 * 1024);
      while (true) {
        const count = await conn.read(chunk);
        if (count === null) return;
        await writeAll(conn, chunk.subarray(0, count));
      }
    },
    udp: (socket) => answerDatagrams(socket, (datagram) => datagram),
  }, options);
}
