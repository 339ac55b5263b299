/**
 * The upper server: like echo, with text uppercased as Unicode.
 *
 * @module
 */

import { concat } from "@std/bytes/concat";
import {
  answerDatagrams,
  listen,
  type ReferenceServer,
  type ServerOptions,
  writeAll,
} from "./_listen.ts";

export type { ReferenceServer, ServerOptions };

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** How many bytes a UTF-8 sequence starting with `lead` needs, or 0 when invalid. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Whether `byte` may stand at position `index` (1-based) of a sequence led by `lead`. */
function validContinuation(lead: number, index: number, byte: number): boolean {
  if (index === 1) {
    if (lead === 0xe0) return byte >= 0xa0 && byte <= 0xbf;
    if (lead === 0xed) return byte >= 0x80 && byte <= 0x9f;
    if (lead === 0xf0) return byte >= 0x90 && byte <= 0xbf;
    if (lead === 0xf4) return byte >= 0x80 && byte <= 0x8f;
  }
  return byte >= 0x80 && byte <= 0xbf;
}

function upperText(bytes: Uint8Array): Uint8Array {
  return encoder.encode(decoder.decode(bytes).toUpperCase());
}

/**
 * Uppercases a byte stream as UTF-8 text. A character split across chunks is
 * held until it is whole; bytes that are not valid UTF-8 pass unchanged.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { UpperCaser } from "./upper.ts";
 * const upper = new UpperCaser();
 * const bytes = new TextEncoder().encode("é");
 * const out = [upper.push(bytes.subarray(0, 1)), upper.push(bytes.subarray(1))];
 * assert(new TextDecoder().decode(out[1]) === "É");
 * ```
 */
export class UpperCaser {
  #pending = new Uint8Array(0);

  /**
   * Uppercases the next chunk.
   *
   * @param chunk Bytes received.
   * @returns The bytes to send back now.
   */
  push(chunk: Uint8Array): Uint8Array {
    const bytes = this.#pending.length === 0 ? chunk : join([this.#pending, chunk]);
    this.#pending = new Uint8Array(0);
    const out: Uint8Array[] = [];
    let runStart = 0;
    let i = 0;
    while (i < bytes.length) {
      const lead = bytes[i]!;
      const length = sequenceLength(lead);
      let valid = length > 0;
      let k = 1;
      for (; valid && k < length && i + k < bytes.length; k++) {
        valid = validContinuation(lead, k, bytes[i + k]!);
      }
      if (valid && i + length > bytes.length) {
        // A character cut by the read: keep its start for the next chunk.
        out.push(upperText(bytes.subarray(runStart, i)));
        this.#pending = bytes.slice(i);
        return join(out);
      }
      if (!valid) {
        out.push(upperText(bytes.subarray(runStart, i)), bytes.subarray(i, i + 1));
        i += 1;
        runStart = i;
        continue;
      }
      i += length;
    }
    out.push(upperText(bytes.subarray(runStart)));
    return join(out);
  }

  /**
   * Returns what is held back at the end of the stream, unchanged.
   *
   * @returns The bytes of an unfinished character.
   */
  flush(): Uint8Array {
    const rest = this.#pending;
    this.#pending = new Uint8Array(0);
    return rest;
  }
}

/** Joins the parts, without a copy in the common case of a single one. */
function join(parts: Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((part) => part.length > 0);
  return nonEmpty.length === 1 ? nonEmpty[0]! : concat(nonEmpty) as Uint8Array;
}

/**
 * Uppercases one whole message as UTF-8, leaving invalid bytes unchanged.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { upperBytes } from "./upper.ts";
 * assert(new TextDecoder().decode(upperBytes(new TextEncoder().encode("straße"))) === "STRASSE");
 * ```
 *
 * @param bytes The message.
 * @returns The uppercased message.
 */
export function upperBytes(bytes: Uint8Array): Uint8Array {
  const upper = new UpperCaser();
  return join([upper.push(bytes), upper.flush()]);
}

/**
 * Starts the upper server on TCP and UDP, one port.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { startUpperServer } from "./upper.ts";
 * await using server = startUpperServer({ port: 0 });
 * assert(server.port > 0);
 * ```
 *
 * @param options Where to listen.
 * @returns The running server.
 */
export function startUpperServer(options: ServerOptions = {}): ReferenceServer {
  return listen("upper", {
    async tcp(conn): Promise<void> {
      const upper = new UpperCaser();
      const chunk = new Uint8Array(64 * 1024);
      while (true) {
        const count = await conn.read(chunk);
        if (count === null) break;
        const out = upper.push(chunk.subarray(0, count));
        if (out.length > 0) await writeAll(conn, out);
      }
      const rest = upper.flush();
      if (rest.length > 0) await writeAll(conn, rest);
    },
    udp: (socket) => answerDatagrams(socket, upperBytes),
  }, options);
}
