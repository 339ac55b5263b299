/**
 * Addresses: `tcp://host:port`, `udp://host:port`, `tls://host:port` and
 * `unix:///path`, as written in `target`, `connect: { to }` and `wait`.
 *
 * @module
 */

import type { Transport } from "./suite.ts";

/** How an address is reached. */
export type AddressScheme = "tcp" | "udp" | "tls" | "unix";

/** The schemes, in the order messages list them. */
export const ADDRESS_SCHEMES: readonly AddressScheme[] = ["tcp", "udp", "tls", "unix"];

/** An address, read. */
export interface Address {
  /** TCP or UDP: a stream (TCP, TLS over TCP, a Unix stream socket) or datagrams. */
  readonly transport: Transport;
  /** The host name or IP address; for a Unix socket, its path. */
  readonly hostname: string;
  /** The port; 0 for a Unix socket. */
  readonly port: number;
  /** Whether the stream is TLS (`tls://`). */
  readonly tls?: boolean;
  /** A Unix socket's path (`unix:///path`). */
  readonly path?: string;
}

/** `scheme://host:port` with the port unchecked (it may be a `${variable}`), or `unix://PATH`. */
const ADDRESS_PATTERN = /^(?:(tcp|udp|tls):\/\/(\[[^\]]+\]|[^:/\s]+):([^/\s]+)|unix:\/\/(\S+))$/;

/** What the docs and messages call a valid address. */
export const ADDRESS_FORMS =
  `"tcp://host:port", "udp://host:port", "tls://host:port" or "unix:///path"`;

/**
 * The scheme of an address as written, and its port as written, without
 * filling in variables; `undefined` when it is not an address.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { addressShape } from "./address.ts";
 * assertEquals(addressShape("tls://localhost:${port}"), { scheme: "tls", port: "${port}" });
 * assertEquals(addressShape("unix:///run/app.sock"), { scheme: "unix", port: undefined });
 * assertEquals(addressShape("http://x:1"), undefined);
 * ```
 *
 * @param text The address.
 * @returns Its scheme and port text.
 */
export function addressShape(
  text: string,
): { scheme: AddressScheme; port: string | undefined } | undefined {
  const match = ADDRESS_PATTERN.exec(text);
  if (match === null) return undefined;
  if (match[4] !== undefined) {
    return match[4].startsWith("/") || match[4].startsWith("${")
      ? { scheme: "unix", port: undefined }
      : undefined;
  }
  return { scheme: match[1] as AddressScheme, port: match[3] };
}

/**
 * Reads an address whose variables are filled in.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseAddress } from "./address.ts";
 * assertEquals(parseAddress("udp://[::1]:53"), { transport: "udp", hostname: "::1", port: 53 });
 * assertEquals(parseAddress("tls://localhost:6380").tls, true);
 * assertEquals(parseAddress("unix:///run/app.sock").path, "/run/app.sock");
 * ```
 *
 * @param url The address.
 * @returns Its parts.
 * @throws {TypeError} When it is not an address.
 */
export function parseAddress(url: string): Address {
  const match = ADDRESS_PATTERN.exec(url);
  if (match?.[4] !== undefined && match[4].startsWith("/")) {
    return { transport: "tcp", hostname: match[4], port: 0, path: match[4] };
  }
  const port = Number(match?.[3]);
  if (
    match === null || match[1] === undefined ||
    !(Number.isInteger(port) && port > 0 && port < 65536)
  ) {
    throw new TypeError(
      `Invalid address "${url}": expected ${ADDRESS_FORMS} with a port from 1 to 65535`,
    );
  }
  const scheme = match[1] as AddressScheme;
  return {
    transport: scheme === "udp" ? "udp" : "tcp",
    hostname: match[2]!.replace(/^\[|\]$/g, ""),
    port,
    ...(scheme === "tls" ? { tls: true } : {}),
  };
}

/**
 * Writes an address back as a URL.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatUrl } from "./address.ts";
 * assertEquals(formatUrl({ transport: "tcp", hostname: "::1", port: 7, tls: true }), "tls://[::1]:7");
 * ```
 *
 * @param address The address.
 * @returns `scheme://host:port` or `unix://path`.
 */
export function formatUrl(address: Address): string {
  if (address.path !== undefined) return `unix://${address.path}`;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  const scheme = address.tls ? "tls" : address.transport;
  return `${scheme}://${host}:${address.port}`;
}
