/**
 * Clipping what failure reports keep: a flooding peer can leave a megabyte
 * unread, and a JSON expectation can be as large as the file allows. Each
 * failure keeps about 1 KiB around the first difference and states the full
 * sizes, so reports stay readable and a run of many failures stays small.
 *
 * @module
 */

import type { StepFailure } from "./result.ts";

/** The most bytes of expected or received kept in a failure. */
export const CLIP_BYTES = 1024;

/** The most characters kept of a failure's texts (message, expected). */
export const CLIP_TEXT = 1024;

/**
 * The window of at most `max` bytes around `focus`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { clipBytesAround } from "./clip.ts";
 * const { bytes, start } = clipBytesAround(new Uint8Array(5000), 3000);
 * assertEquals([bytes.length, start], [1024, 2744]);
 * ```
 *
 * @param bytes All the bytes.
 * @param focus The offset to keep in view (the first difference).
 * @param max The most bytes kept.
 * @returns A copy of the window and where it starts.
 */
export function clipBytesAround(
  bytes: Uint8Array,
  focus: number,
  max: number = CLIP_BYTES,
): { bytes: Uint8Array; start: number } {
  if (bytes.length <= max) return { bytes, start: 0 };
  const start = Math.max(0, Math.min(focus - Math.floor(max / 4), bytes.length - max));
  return { bytes: bytes.slice(start, start + max), start };
}

/**
 * A text of at most `max` characters, saying how long it was.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { clipText } from "./clip.ts";
 * assertEquals(clipText("abcdef", 3), "abc… (6 characters)");
 * ```
 *
 * @param text The text.
 * @param max The most characters kept.
 * @returns The text, or its start and its length.
 */
export function clipText(text: string, max: number = CLIP_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * A failure with its bytes and texts clipped to about 1 KiB each, around
 * the first difference, with the full sizes kept.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { clipFailure } from "./clip.ts";
 * const failure = clipFailure({
 *   reason: "mismatch",
 *   message: "Byte 4000 differs",
 *   received: new Uint8Array(1 << 20),
 *   offset: 4000,
 * });
 * assertEquals([failure.received?.length, failure.receivedStart, failure.receivedSize], [1024, 3744, 1048576]);
 * ```
 *
 * @param failure The failure as the step reported it.
 * @returns The failure as results keep it.
 */
export function clipFailure(failure: StepFailure): StepFailure {
  const focus = failure.offset ?? 0;
  // Already clipped parts (a start is set) are kept as they are.
  const part = (bytes: Uint8Array | undefined, start: number | undefined) =>
    bytes === undefined || start !== undefined ? undefined : {
      ...clipBytesAround(bytes, focus),
      size: bytes.length,
    };
  const received = part(failure.received, failure.receivedStart);
  const expected = part(failure.expectedBytes, failure.expectedStart);
  return {
    ...failure,
    message: clipText(failure.message, 2 * CLIP_TEXT),
    ...(failure.expected === undefined ? {} : { expected: clipText(failure.expected) }),
    ...(received === undefined ? {} : {
      received: received.bytes,
      receivedStart: received.start,
      receivedSize: received.size,
    }),
    ...(expected === undefined ? {} : {
      expectedBytes: expected.bytes,
      expectedStart: expected.start,
      expectedSize: expected.size,
    }),
  };
}
