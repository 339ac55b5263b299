/**
 * Byte and transcript formatting shared by the reporters.
 *
 * @module
 */

import { escapeBytes } from "../escape.ts";
import type { StepFailure } from "../result.ts";

export { escapeBytes };

/**
 * How retries went, for every report: `passed on retry 2 of 3`, `failed 4
 * attempts`; `undefined` when it ran once. A pass on retry is shown, so a
 * flaky submission or test is seen.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { retryNote } from "./format.ts";
 * assertEquals(retryNote({ status: "passed", attempts: 3, retries: 3 }), "passed on retry 2 of 3");
 * assertEquals(retryNote({ status: "passed" }), undefined);
 * ```
 *
 * @param result The scenario's status, attempts and allowed retries.
 * @returns The note, or `undefined`.
 */
export function retryNote(
  result: { readonly status: string; readonly attempts?: number; readonly retries?: number },
): string | undefined {
  const attempts = result.attempts ?? 1;
  if (attempts <= 1) return undefined;
  if (result.status !== "passed") return `failed ${attempts} attempts`;
  const of = result.retries === undefined ? "" : ` of ${result.retries}`;
  return `passed on retry ${attempts - 1}${of}`;
}

/** One part of a run's summary line, and what it counts. */
export interface CountPart {
  /** What it counts. */
  readonly kind: "passed" | "failed" | "skipped" | "errors";
  /** How many. */
  readonly count: number;
  /** `3 passed`, `1 error`. */
  readonly text: string;
}

/**
 * The parts of the `N passed, N failed` line every text report ends with:
 * passed and failed always, skipped and set-up errors when there are any.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { countParts } from "./format.ts";
 * const parts = countParts({ passed: 2, failed: 0, skipped: 0, errors: 1 });
 * assertEquals(parts.map((part) => part.text).join(", "), "2 passed, 0 failed, 1 error");
 * ```
 *
 * @param counts The run's counts.
 * @returns The parts, in order.
 */
export function countParts(
  counts: {
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
    readonly errors: number;
  },
): CountPart[] {
  return [
    { kind: "passed", count: counts.passed, text: `${counts.passed} passed` },
    { kind: "failed", count: counts.failed, text: `${counts.failed} failed` },
    ...(counts.skipped > 0
      ? [{ kind: "skipped" as const, count: counts.skipped, text: `${counts.skipped} skipped` }]
      : []),
    ...(counts.errors > 0
      ? [{
        kind: "errors" as const,
        count: counts.errors,
        text: `${counts.errors} ${counts.errors === 1 ? "error" : "errors"}`,
      }]
      : []),
  ];
}

/** Options for {@linkcode previewBytes}. */
export interface PreviewOptions {
  /**
   * The most bytes shown.
   *
   * @default {160}
   */
  max?: number;
  /**
   * A byte offset to keep in view (e.g. the first difference), counted in
   * the whole of which `bytes` is a part.
   *
   * @default {0}
   */
  focus?: number;
  /**
   * The full size, when `bytes` is already a clipped part.
   *
   * @default {start + bytes.length}
   */
  size?: number;
  /**
   * Where `bytes` starts in the whole, when it is a clipped part.
   *
   * @default {0}
   */
  start?: number;
}

/**
 * A quoted, escaped preview of at most `max` bytes, with `…` where clipped
 * and the full size when anything was left out.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { previewBytes } from "./format.ts";
 * assert(previewBytes(new TextEncoder().encode("hello\n")) === `"hello\\n"`);
 * ```
 *
 * @param bytes The bytes.
 * @param options How much to show and where.
 * @returns The preview.
 */
export function previewBytes(bytes: Uint8Array, options: PreviewOptions = {}): string {
  const max = options.max ?? 160;
  const origin = options.start ?? 0;
  const size = options.size ?? origin + bytes.length;
  const focus = Math.max(0, Math.min((options.focus ?? origin) - origin, bytes.length));
  let start = 0;
  if (focus > max / 2) {
    start = Math.max(0, Math.min(focus - Math.floor(max / 4), bytes.length - max));
  }
  const end = Math.min(bytes.length, start + max);
  const text = `${origin + start > 0 ? "…" : ""}"${escapeBytes(bytes.subarray(start, end))}"${
    origin + end < size ? "…" : ""
  }`;
  return end - start < size ? `${text} (${size} bytes)` : text;
}

/**
 * The preview of what a failed step received, around the first difference.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { previewReceived } from "./format.ts";
 * const received = new TextEncoder().encode("hi");
 * assert(previewReceived({ reason: "mismatch", message: "", received }) === `"hi"`);
 * ```
 *
 * @param failure The failure.
 * @param max The most bytes shown.
 * @returns The preview, or `nothing`.
 */
export function previewReceived(failure: StepFailure, max?: number): string {
  const bytes = failure.received ?? new Uint8Array();
  if (bytes.length === 0 && (failure.receivedSize ?? 0) === 0) return "nothing";
  return previewBytes(bytes, {
    ...(max === undefined ? {} : { max }),
    focus: failure.offset ?? 0,
    start: failure.receivedStart ?? 0,
    size: failure.receivedSize ?? (failure.receivedStart ?? 0) + bytes.length,
  });
}

/**
 * The preview of the bytes a failed step expected, around the first
 * difference; `undefined` when it expected no exact bytes.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { previewExpected } from "./format.ts";
 * const expectedBytes = new TextEncoder().encode("hi");
 * assert(previewExpected({ reason: "mismatch", message: "", expectedBytes }) === `"hi"`);
 * ```
 *
 * @param failure The failure.
 * @param max The most bytes shown.
 * @returns The preview.
 */
export function previewExpected(failure: StepFailure, max?: number): string | undefined {
  const bytes = failure.expectedBytes;
  if (bytes === undefined) return undefined;
  return previewBytes(bytes, {
    ...(max === undefined ? {} : { max }),
    focus: failure.offset ?? 0,
    start: failure.expectedStart ?? 0,
    size: failure.expectedSize ?? (failure.expectedStart ?? 0) + bytes.length,
  });
}

/**
 * Where the first difference sits in the escaped preview, counted in
 * characters from the opening quote, so a caret can point at it.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { escapedOffset } from "./format.ts";
 * assert(escapedOffset(new TextEncoder().encode("a\nb"), 2) === 3);
 * ```
 *
 * @param bytes The bytes shown.
 * @param offset The byte offset.
 * @returns The character offset in the escaped text.
 */
export function escapedOffset(bytes: Uint8Array, offset: number): number {
  return escapeBytes(bytes.subarray(0, offset)).length;
}
