/**
 * Byte and transcript formatting shared by the reporters.
 *
 * @module
 */

const ESCAPES: Record<number, string> = {
  0x09: "\\t",
  0x0a: "\\n",
  0x0d: "\\r",
  0x22: '\\"',
  0x5c: "\\\\",
};

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

function hex(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, "0")}`;
}

/** The length of the valid, printable UTF-8 character at `i`, or 0. */
function printableAt(bytes: Uint8Array, i: number): number {
  const lead = bytes[i];
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (length === 0 || i + length > bytes.length) return 0;
  try {
    const text = strictDecoder.decode(bytes.subarray(i, i + length));
    return /[\p{C}\p{Zl}\p{Zp}]/u.test(text) ? 0 : length;
  } catch {
    return 0;
  }
}

/**
 * Writes bytes as readable text: printable characters as they are, `\n`,
 * `\r`, `\t`, `\"` and `\\` escaped, everything else as `\xNN`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { escapeBytes } from "./format.ts";
 * assert(escapeBytes(new Uint8Array([104, 105, 10, 0, 0xff])) === "hi\\n\\x00\\xff");
 * ```
 *
 * @param bytes The bytes.
 * @returns The escaped text.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const byte = bytes[i];
    if (ESCAPES[byte] !== undefined) {
      out += ESCAPES[byte];
      i++;
    } else if (byte >= 0x20 && byte < 0x7f) {
      out += String.fromCharCode(byte);
      i++;
    } else {
      const length = byte >= 0x80 ? printableAt(bytes, i) : 0;
      if (length > 0) {
        out += strictDecoder.decode(bytes.subarray(i, i + length));
        i += length;
      } else {
        out += hex(byte);
        i++;
      }
    }
  }
  return out;
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
