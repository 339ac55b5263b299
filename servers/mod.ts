/**
 * The reference servers: echo, upper and chat.
 *
 * @module
 */

import type { ReferenceServer, ServerOptions } from "./_listen.ts";
import { startChatServer } from "./chat.ts";
import { startEchoServer } from "./echo.ts";
import { startUpperServer } from "./upper.ts";

export type { ReferenceServer, ServerOptions };

/** The names of the reference servers. */
export const SERVER_NAMES = ["echo", "upper", "chat"] as const;

/** A reference server's name. */
export type ServerName = typeof SERVER_NAMES[number];

/** The transports each reference server speaks. */
export const SERVER_TRANSPORTS: Readonly<Record<ServerName, readonly ("tcp" | "udp")[]>> = {
  echo: ["tcp", "udp"],
  upper: ["tcp", "udp"],
  chat: ["tcp"],
};

/**
 * Tells whether a name is a reference server's.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isServerName } from "./mod.ts";
 * assert(isServerName("echo") && !isServerName("ehco"));
 * ```
 *
 * @param name Any name.
 * @returns Whether it names a reference server.
 */
export function isServerName(name: string): name is ServerName {
  return (SERVER_NAMES as readonly string[]).includes(name);
}

/**
 * Starts a reference server. Dispose of it (or `await using`) to stop it.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { startServer } from "./mod.ts";
 * await using server = startServer("echo");
 * const conn = await Deno.connect({ hostname: server.hostname, port: server.port });
 * await conn.write(new TextEncoder().encode("hi"));
 * const reply = new Uint8Array(2);
 * await conn.read(reply);
 * conn.close();
 * assert(new TextDecoder().decode(reply) === "hi");
 * ```
 *
 * @param name `echo`, `upper` or `chat`.
 * @param options Where to listen.
 * @returns The running server.
 */
export function startServer(name: ServerName, options: ServerOptions = {}): ReferenceServer {
  switch (name) {
    case "echo":
      return startEchoServer(options);
    case "upper":
      return startUpperServer(options);
    case "chat":
      return startChatServer(options);
  }
}
