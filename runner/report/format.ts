/**
 * Byte and transcript formatting shared by the reporters.
 *
 * @module
 */

import { escapeBytes } from "../escape.ts";

export { escapeBytes };

/** Options for {@linkcode previewBytes}. */
export interface PreviewOptions {
  /**
   * The most bytes shown.
   *
   * @default {160}
   */
  max?: number;
  /**
   * A byte offset to keep in view (e.g. the first difference).
   *
   * @default {0}
   */
  focus?: number;
  /**
   * The full size, when `bytes` is already a clipped preview.
   *
   * @default {bytes.length}
   */
  size?: number;
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
  const size = options.size ?? bytes.length;
  const focus = Math.min(options.focus ?? 0, bytes.length);
  let start = 0;
  if (focus > max / 2) {
    start = Math.max(0, Math.min(focus - Math.floor(max / 4), bytes.length - max));
  }
  const end = Math.min(bytes.length, start + max);
  const text = `${start > 0 ? "…" : ""}"${escapeBytes(bytes.subarray(start, end))}"${
    end < size ? "…" : ""
  }`;
  return end - start < size ? `${text} (${size} bytes)` : text;
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
