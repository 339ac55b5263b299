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
