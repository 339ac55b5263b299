/**
 * Searching the stream, like expect(1): whatever comes before the match is
 * skipped, and the match is consumed through its end.
 *
 * @module
 */

import { captures } from "./regex.ts";
import type { RegexLike } from "./regex_guard.ts";
import {
  decodeText,
  INCOMPLETE,
  type Incomplete,
  matched,
  type Matcher,
  type MatchResult,
} from "./result.ts";

const encoder = new TextEncoder();

/**
 * Finds the first occurrence of `needle` in the bytes, from `from`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { indexOfBytes } from "./search.ts";
 * assert(indexOfBytes(new Uint8Array([1, 2, 3]), new Uint8Array([2, 3])) === 1);
 * ```
 *
 * @param haystack Where to look.
 * @param needle What to look for.
 * @param from Where to start.
 * @returns The offset, or -1.
 */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  if (needle.length === 0) return from;
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  for (
    let i = haystack.indexOf(first, from);
    i !== -1 && i <= last;
    i = haystack.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/**
 * Matches through the first occurrence of `text`. Bytes that can no longer
 * start an occurrence are given up, so memory stays bounded while it waits.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { expectContains } from "./search.ts";
 * const bytes = new TextEncoder().encode("noise Welcome!\nrest");
 * const result = expectContains("Welcome!\n")(bytes, false);
 * assert(result.status === "matched" && result.consumed === 15);
 * ```
 *
 * @param text The text to find.
 * @returns The matcher.
 */
export function expectContains(text: string): Matcher {
  const needle = encoder.encode(text);
  return function matchContains(bytes: Uint8Array): MatchResult {
    const at = indexOfBytes(bytes, needle);
    if (at !== -1) return matched(at + needle.length);
    const incomplete: Incomplete = {
      status: "incomplete",
      discard: Math.max(0, bytes.length - needle.length + 1),
    };
    return incomplete;
  };
}

/**
 * Continuations that extend or break a match that ends at the last byte:
 * a newline (`$`), word characters, digits, spaces, punctuation and a
 * non-ASCII letter (`\w+`, `\d+`, `.*`, `[^;]*`, `\s*`). The characters
 * of the pattern itself are tried too (`ab|a` against `a` waits for a `b`).
 */
const PROBES = ["\n", "a", "Z", "0", "_", " ", "\t", ".", ";", "-", "é", "\u0000"];

/** The continuations to try for a regex: the common ones and every character of its source. */
function probesOf(source: string): string[] {
  return [...new Set([...PROBES, ...source])].slice(0, MAX_PROBES);
}

const MAX_PROBES = 64;

/** Whether the match stays the same whatever likely bytes come next. */
function stableAtEnd(search: RegexLike, text: string, match: RegExpExecArray): boolean {
  for (const probe of probesOf(search.source)) {
    const next = search.exec(text + probe);
    if (next === null || next.index !== match.index || next[0] !== match[0]) return false;
  }
  return true;
}

/**
 * Matches through the first match of `regex` in the text received. Named
 * groups become captures. On a stream, a match that ends at the last byte
 * received stands only when more bytes could not change it (the peer closed,
 * or none of a set of likely next characters changes it), so the verdict is
 * the same however the bytes were split.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { expectRegex } from "./search.ts";
 * const bytes = new TextEncoder().encode("id=42;\n");
 * // A match that more bytes could change waits for them, or for the close.
 * assert(expectRegex(/id=\d+/)(new TextEncoder().encode("id=4"), false).status === "incomplete");
 * assert(expectRegex(/id=\d+;/)(new TextEncoder().encode("id=4;"), false).status === "matched");
 * const result = expectRegex(/id=(?<id>\d+);/)(bytes, false);
 * assert(result.status === "matched" && result.captures.id === "42");
 * ```
 *
 * @param regex The regex to find.
 * @returns The matcher.
 */
export function expectRegex(regex: RegexLike): Matcher {
  const search = regex instanceof RegExp
    ? new RegExp(regex.source, regex.flags.replace(/[gy]/g, ""))
    : regex;
  return function matchRegex(bytes: Uint8Array, ended: boolean): MatchResult {
    const text = decodeText(bytes);
    const match = search.exec(text);
    if (match === null) return INCOMPLETE;
    const end = match.index + match[0].length;
    // A match that reaches the last byte received may still change with more
    // bytes (`$`, a greedy `\d+`): it stands once the peer closed, or when
    // no likely continuation changes it.
    if (end === text.length && !ended && !stableAtEnd(search, text, match)) return INCOMPLETE;
    const consumed = end === text.length ? bytes.length : encoder.encode(text.slice(0, end)).length;
    return matched(consumed, captures(match));
  };
}
