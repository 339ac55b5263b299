/**
 * Bytes written as readable text, for messages and every report.
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
  const lead = bytes[i]!;
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
 * import { escapeBytes } from "./escape.ts";
 * assert(escapeBytes(new Uint8Array([104, 105, 10, 0, 0xff])) === "hi\\n\\x00\\xff");
 * ```
 *
 * @param bytes The bytes.
 * @returns The escaped text.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const byte = bytes[i]!;
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
