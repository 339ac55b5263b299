/**
 * Exact byte matching, for TCP streams and UDP datagrams.
 *
 * @module
 */

import { INCOMPLETE, matched, type Matcher, type MatchResult, mismatch } from "./result.ts";

/**
 * Names a byte for messages: `"a" (0x61)`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { describeByte } from "./bytes.ts";
 * assert(describeByte(0x0a) === "0x0a");
 * ```
 *
 * @param byte The byte.
 * @returns Its character, when printable, and its hex value.
 */
export function describeByte(byte: number): string {
  const hex = `0x${byte.toString(16).padStart(2, "0")}`;
  return byte >= 0x20 && byte < 0x7f ? `"${String.fromCharCode(byte)}" (${hex})` : hex;
}

/**
 * Matches when the next bytes are exactly `expected`; fails as soon as a
 * received byte differs, without waiting for the rest.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { expectBytes } from "./bytes.ts";
 * const match = expectBytes(new TextEncoder().encode("hello\n"));
 * assert(match(new TextEncoder().encode("hel"), false).status === "incomplete");
 * assert(match(new TextEncoder().encode("help"), false).status === "mismatch");
 * ```
 *
 * @param expected The bytes that must come next.
 * @returns The matcher.
 */
export function expectBytes(expected: Uint8Array): Matcher {
  return function matchBytes(bytes: Uint8Array): MatchResult {
    const length = Math.min(bytes.length, expected.length);
    for (let i = 0; i < length; i++) {
      if (bytes[i] !== expected[i]) {
        return mismatch(
          i,
          `Byte ${i} differs: expected ${describeByte(expected[i]!)}, got ${
            describeByte(bytes[i]!)
          }`,
        );
      }
    }
    return bytes.length >= expected.length ? matched(expected.length) : INCOMPLETE;
  };
}

/**
 * Matches when the connection has ended with nothing left unread.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { expectClosed } from "./bytes.ts";
 * assert(expectClosed()(new Uint8Array(), true).status === "matched");
 * ```
 *
 * @returns The matcher.
 */
export function expectClosed(): Matcher {
  return function matchClosed(bytes: Uint8Array, ended: boolean): MatchResult {
    if (bytes.length > 0) {
      return mismatch(0, `Expected the peer to close, but ${bytes.length} unread bytes arrived`);
    }
    return ended ? matched(0) : INCOMPLETE;
  };
}

/** Bytes to expect, where `any[i]` marks a byte that may be anything (`??` in hex). */
export interface BytePattern {
  /** The bytes; at a wildcard, 0. */
  readonly bytes: Uint8Array;
  /** Which bytes may be anything; `undefined` when none may. */
  readonly any: readonly boolean[] | undefined;
}

/**
 * Reads hex with `??` for any one byte: pairs of hex digits, spaces
 * between them optional.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseHexPattern } from "./bytes.ts";
 * assertEquals(parseHexPattern("12 ?? 34"), { bytes: new Uint8Array([0x12, 0, 0x34]), any: [false, true, false] });
 * assertEquals(parseHexPattern("0a0b").any, undefined);
 * ```
 *
 * @param text The hex.
 * @returns The pattern.
 * @throws {SyntaxError} When it is not hex pairs and `??`.
 */
export function parseHexPattern(text: string): BytePattern {
  const digits = text.replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2}|\?\?)*$/.test(digits)) {
    throw new SyntaxError(`Invalid hex "${text}": expected pairs of hex digits or "??"`);
  }
  const count = digits.length / 2;
  const bytes = new Uint8Array(count);
  const any: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const pair = digits.slice(i * 2, i * 2 + 2);
    any.push(pair === "??");
    if (pair !== "??") bytes[i] = parseInt(pair, 16);
  }
  return { bytes, any: any.includes(true) ? any : undefined };
}

/**
 * Writes a pattern as hex, `??` for any byte: `12 ?? 34`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describePattern } from "./bytes.ts";
 * assertEquals(describePattern({ bytes: new Uint8Array([0x12, 0, 0x34]), any: [false, true, false] }), "12 ?? 34");
 * ```
 *
 * @param pattern The pattern.
 * @returns Its hex.
 */
export function describePattern(pattern: BytePattern): string {
  return [...pattern.bytes].map((byte, i) =>
    pattern.any?.[i] ? "??" : byte.toString(16).padStart(2, "0")
  ).join(" ");
}

/**
 * Matches when the next bytes fit the pattern: each byte equal, or anything
 * where the pattern says `??`. A missing byte never matches, not even `??`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { expectPattern, parseHexPattern } from "./bytes.ts";
 * const match = expectPattern(parseHexPattern("01 ?? 03"));
 * assert(match(new Uint8Array([1, 9, 3]), false).status === "matched");
 * assert(match(new Uint8Array([1, 9]), true).status === "incomplete");
 * assert(match(new Uint8Array([2]), false).status === "mismatch");
 * ```
 *
 * @param pattern The pattern.
 * @returns The matcher.
 */
export function expectPattern(pattern: BytePattern): Matcher {
  if (pattern.any === undefined) return expectBytes(pattern.bytes);
  const { bytes: expected, any } = pattern;
  return function matchPattern(bytes: Uint8Array): MatchResult {
    const length = Math.min(bytes.length, expected.length);
    for (let i = 0; i < length; i++) {
      if (!any[i] && bytes[i] !== expected[i]) {
        return mismatch(
          i,
          `Byte ${i} differs: expected ${describeByte(expected[i]!)}, got ${
            describeByte(bytes[i]!)
          }`,
        );
      }
    }
    return bytes.length >= expected.length ? matched(expected.length) : INCOMPLETE;
  };
}
