/**
 * Knowing when a program under test is ready without touching it: a probe
 * connection would use up a server that serves a single client.
 *
 * @module
 */

import type { Transport } from "./suite.ts";

/** Readiness that cannot be checked on this system. */
export class ReadinessUnsupportedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is missing.
   * @param options The underlying error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ReadinessUnsupportedError";
  }
}

/** Kernel socket states: TCP_LISTEN in /proc/net/tcp*, any bound socket in /proc/net/udp*. */
const LISTEN = "0A";

function tables(transport: Transport): string[] {
  return transport === "tcp"
    ? ["/proc/net/tcp", "/proc/net/tcp6"]
    : ["/proc/net/udp", "/proc/net/udp6"];
}

/**
 * Tells whether some socket on this machine listens on `port` (TCP) or is
 * bound to it (UDP), from the kernel's socket tables.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isPortBound } from "./ready.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert(await isPortBound(listener.addr.port, "tcp"));
 * ```
 *
 * @param port The port.
 * @param transport TCP (listening) or UDP (bound).
 * @returns Whether it is.
 * @throws {ReadinessUnsupportedError} Without Linux's /proc/net.
 */
export async function isPortBound(port: number, transport: Transport): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let found = false;
  let readable = 0;
  for (const path of tables(transport)) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw new ReadinessUnsupportedError(
          `Cannot see listening sockets: Deno reads ${path} only with --allow-all (-A); run with -A or use ready: { stdout: "…" }`,
          { cause: error },
        );
      }
      continue;
    }
    readable++;
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      const [, local = "", , state] = fields;
      if (!local.endsWith(`:${hexPort}`)) continue;
      if (transport === "udp" || state === LISTEN) found = true;
    }
  }
  if (readable === 0) {
    throw new ReadinessUnsupportedError(
      `Cannot see listening sockets: /proc/net is not readable here; use ready: { stdout: "…" }`,
    );
  }
  return found;
}

/**
 * Waits until a socket listens on `port` (TCP) or is bound to it (UDP).
 *
 * The kernel sends no event when another process starts listening, so this
 * is the one place Parley polls: a cheap read of /proc/net, backing off from
 * 5ms to 100ms, bounded by `signal`, and ended at once by `stopped`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { waitForPort } from "./ready.ts";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * assert(await waitForPort(listener.addr.port, { transport: "tcp", signal: AbortSignal.timeout(1000) }));
 * ```
 *
 * @param port The port.
 * @param options Transport, deadline, and a promise that settles when waiting is pointless.
 * @returns Whether the port became ready before the deadline or `stopped`.
 */
export async function waitForPort(
  port: number,
  options: { transport: Transport; signal: AbortSignal; stopped?: Promise<unknown> },
): Promise<boolean> {
  let stopped = false;
  options.stopped?.then(() => (stopped = true), () => (stopped = true));
  let delay = 5;
  while (true) {
    if (await isPortBound(port, options.transport)) return true;
    if (stopped || options.signal.aborted) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      function done(): void {
        clearTimeout(timer);
        options.signal.removeEventListener("abort", done);
        resolve();
      }
      options.signal.addEventListener("abort", done, { once: true });
      options.stopped?.then(done, done);
    });
    delay = Math.min(delay * 2, 100);
  }
}
