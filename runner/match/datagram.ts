/**
 * UDP matching: one expectation per whole datagram.
 *
 * @module
 */

import { type LineTest } from "./line.ts";
import { matched, type Matcher, type MatchResult, mismatch } from "./result.ts";

/** How a stream matcher applies to a datagram. */
export type DatagramRule = "whole" | "search";

/**
 * Applies a stream matcher to one whole datagram. With `"whole"` the matcher
 * must take every byte; with `"search"` it may match anywhere in it.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { matchDatagram } from "./datagram.ts";
 * import { expectBytes } from "./bytes.ts";
 * const ping = new TextEncoder().encode("ping");
 * assert(matchDatagram(expectBytes(ping), ping).status === "matched");
 * ```
 *
 * @param matcher A stream matcher.
 * @param datagram The datagram received.
 * @param options `rule`: whether the matcher must take the `"whole"` datagram (the default) or may `"search"` it.
 * @returns Matched or mismatch; never incomplete.
 */
export function matchDatagram(
  matcher: Matcher,
  datagram: Uint8Array,
  options: { rule?: DatagramRule } = {},
): MatchResult {
  const rule = options.rule ?? "whole";
  const result = matcher(datagram, true);
  if (result.status === "mismatch") return result;
  if (result.status === "incomplete") {
    return rule === "whole"
      ? mismatch(datagram.length, `Datagram ended early at byte ${datagram.length}`)
      : mismatch(0, "Datagram does not contain a match");
  }
  if (rule === "whole" && result.consumed !== datagram.length) {
    return mismatch(
      result.consumed,
      `Datagram has ${datagram.length - result.consumed} bytes more than expected`,
    );
  }
  return matched(datagram.length, result.captures);
}

/**
 * Applies a line test to a whole datagram, ignoring one trailing line ending.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { testDatagram } from "./datagram.ts";
 * import { lineJson } from "./line.ts";
 * const datagram = new TextEncoder().encode('{"ok":true}\n');
 * assert(testDatagram(lineJson({ ok: true }), datagram).status === "matched");
 * ```
 *
 * @param test The test.
 * @param datagram The datagram received.
 * @returns Matched or mismatch.
 */
export function testDatagram(test: LineTest, datagram: Uint8Array): MatchResult {
  let end = datagram.length;
  if (datagram[end - 1] === 0x0a) end--;
  if (datagram[end - 1] === 0x0d) end--;
  const verdict = test.test(datagram.subarray(0, end));
  return verdict.ok
    ? matched(datagram.length, verdict.captures)
    : mismatch(verdict.offset, verdict.reason.replace(/^Line/, "Datagram"));
}
