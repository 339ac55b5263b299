/**
 * Message framing on a stream: a length field (after `skip` bytes that
 * belong to the frame), a delimiter, or a fixed size. On a framed
 * connection every `send` is one frame and every `expect` takes one.
 *
 * @module
 */

import {
  intSize,
  type IntType,
  MAX_VARINT_BYTES,
  readInt,
  readVarint,
  writeInt,
  writeVarint,
} from "./binary.ts";
import { INCOMPLETE, matched, type Matcher, type MatchResult, mismatch } from "./match/result.ts";

/** The length fields a frame may have. */
export type LengthPrefix =
  | Extract<IntType, "u8" | "u16be" | "u16le" | "u32be" | "u32le">
  | "varint";

/** The length prefixes, in the order messages list them. */
export const LENGTH_PREFIXES: readonly LengthPrefix[] = [
  "u8",
  "u16be",
  "u16le",
  "u32be",
  "u32le",
  "varint",
];

/** How a stream is cut into messages. */
export type Framing =
  | {
    readonly kind: "prefix";
    /** The length field. */
    readonly prefix: LengthPrefix;
    /** Bytes of the frame before the length field (a type byte). */
    readonly skip: number;
    /** Added to the length's value to get the bytes after the field (-4 when it counts itself). */
    readonly adjust: number;
  }
  | { readonly kind: "delimiter"; readonly delimiter: Uint8Array }
  | { readonly kind: "fixed"; readonly size: number };

/**
 * Describes a framing for messages: `a u16be length`, `"\r\n"-delimited`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeFraming } from "./framing.ts";
 * assertEquals(describeFraming({ kind: "prefix", prefix: "varint", skip: 1, adjust: 0 }), "a varint length after 1 byte");
 * ```
 *
 * @param framing The framing.
 * @returns A phrase.
 */
export function describeFraming(framing: Framing): string {
  switch (framing.kind) {
    case "prefix":
      return `a ${framing.prefix} length${
        framing.skip === 0 ? "" : ` after ${framing.skip} byte${framing.skip === 1 ? "" : "s"}`
      }`;
    case "delimiter":
      return `${JSON.stringify(new TextDecoder().decode(framing.delimiter))}-delimited`;
    case "fixed":
      return `${framing.size}-byte frames`;
  }
}

/**
 * Makes one frame of a message: inserts its length field after the first
 * `skip` bytes, or appends the delimiter, or checks the fixed size.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { frameMessage } from "./framing.ts";
 * const framing = { kind: "prefix", prefix: "u16be", skip: 0, adjust: 0 } as const;
 * assertEquals(frameMessage(framing, new Uint8Array([7, 8, 9])), new Uint8Array([0, 3, 7, 8, 9]));
 * ```
 *
 * @param framing The connection's framing.
 * @param message What `send` wrote.
 * @returns The bytes to write.
 * @throws {RangeError} When the message does not fit the framing.
 */
export function frameMessage(framing: Framing, message: Uint8Array): Uint8Array {
  switch (framing.kind) {
    case "prefix": {
      if (message.length < framing.skip) {
        throw new RangeError(
          `A frame needs at least ${framing.skip} bytes before its length field, got ${message.length}`,
        );
      }
      const value = message.length - framing.skip - framing.adjust;
      const field = framing.prefix === "varint"
        ? writeVarint(value)
        : writeInt(framing.prefix, value);
      const out = new Uint8Array(message.length + field.length);
      out.set(message.subarray(0, framing.skip));
      out.set(field, framing.skip);
      out.set(message.subarray(framing.skip), framing.skip + field.length);
      return out;
    }
    case "delimiter": {
      const out = new Uint8Array(message.length + framing.delimiter.length);
      out.set(message);
      out.set(framing.delimiter, message.length);
      return out;
    }
    case "fixed":
      if (message.length !== framing.size) {
        throw new RangeError(
          `A frame is ${framing.size} bytes, this message is ${message.length}`,
        );
      }
      return message;
  }
}

/**
 * Decides when the unread bytes hold a whole frame: matches its bytes (with
 * the length field or delimiter), waits for more, or fails on a length
 * that cannot be (a varint over four bytes, a frame over `maxBytes`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { expectFrame } from "./framing.ts";
 * const match = expectFrame({ kind: "prefix", prefix: "u8", skip: 0, adjust: 0 }, 1024);
 * assertEquals(match(new Uint8Array([2, 7]), false).status, "incomplete");
 * assertEquals(match(new Uint8Array([2, 7, 8, 9]), false), { status: "matched", consumed: 3, captures: {} });
 * ```
 *
 * @param framing The connection's framing.
 * @param maxBytes The largest frame the buffer may hold.
 * @returns The matcher.
 */
export function expectFrame(framing: Framing, maxBytes: number): Matcher {
  return function matchFrame(bytes: Uint8Array, ended: boolean): MatchResult {
    const total = frameSize(framing, bytes);
    if (typeof total === "string") {
      return mismatch(framing.kind === "prefix" ? framing.skip : 0, total);
    }
    if (total === undefined) {
      return ended && bytes.length > 0
        ? mismatch(
          bytes.length,
          `The stream ended inside a frame, after ${bytes.length} byte${
            bytes.length === 1 ? "" : "s"
          }`,
        )
        : INCOMPLETE;
    }
    if (total > maxBytes) {
      return mismatch(
        0,
        `A frame of ${total} bytes is larger than max_buffer (${maxBytes} bytes)`,
      );
    }
    if (bytes.length < total) {
      return ended
        ? mismatch(
          bytes.length,
          `The stream ended inside a frame of ${total} bytes, after ${bytes.length} of them`,
        )
        : INCOMPLETE;
    }
    return matched(total);
  };
}

/**
 * A frame's whole size from its first bytes, `undefined` while unknown, or
 * why it cannot be a frame.
 */
function frameSize(framing: Framing, bytes: Uint8Array): number | undefined | string {
  switch (framing.kind) {
    case "fixed":
      return framing.size;
    case "delimiter": {
      const at = indexOf(bytes, framing.delimiter);
      return at < 0 ? undefined : at + framing.delimiter.length;
    }
    case "prefix": {
      const start = framing.skip;
      let value: number;
      let size: number;
      if (framing.prefix === "varint") {
        const read = readVarint(bytes, start);
        if (read === "incomplete") return undefined;
        if (read === "too long") {
          return `Invalid varint length at byte ${start}: more than ${MAX_VARINT_BYTES} bytes`;
        }
        ({ value, size } = read);
      } else {
        size = intSize(framing.prefix);
        if (bytes.length < start + size) return undefined;
        value = readInt(framing.prefix, bytes, start);
      }
      const body = value + framing.adjust;
      if (body < 0) {
        return `Invalid length ${value} at byte ${start}: with adjust ${framing.adjust}, ${body} bytes`;
      }
      return start + size + body;
    }
  }
}

function indexOf(bytes: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * A whole frame's message: without its length field, or its delimiter.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { unframe } from "./framing.ts";
 * const framing = { kind: "prefix", prefix: "varint", skip: 1, adjust: 0 } as const;
 * assertEquals(unframe(framing, new Uint8Array([0x20, 2, 0, 0])), new Uint8Array([0x20, 0, 0]));
 * ```
 *
 * @param framing The connection's framing.
 * @param frame A whole frame, as {@linkcode expectFrame} matched it.
 * @returns The message, as `send` would have written it.
 */
export function unframe(framing: Framing, frame: Uint8Array): Uint8Array {
  switch (framing.kind) {
    case "fixed":
      return frame;
    case "delimiter":
      return frame.subarray(0, frame.length - framing.delimiter.length);
    case "prefix": {
      const size = framing.prefix === "varint"
        ? (readVarint(frame, framing.skip) as { size: number }).size
        : intSize(framing.prefix);
      const out = new Uint8Array(frame.length - size);
      out.set(frame.subarray(0, framing.skip));
      out.set(frame.subarray(framing.skip + size), framing.skip);
      return out;
    }
  }
}
