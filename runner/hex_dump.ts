/**
 * Hex dumps for binary bytes in failure reports: 16 bytes a row with their
 * offset and an ASCII column, the first differing byte marked.
 *
 * @module
 */

/**
 * Whether bytes read better as a hex dump than as escaped text: any control
 * byte other than tab, CR and LF.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isBinary } from "./hex_dump.ts";
 * assertEquals(isBinary(new TextEncoder().encode("hi\r\n")), false);
 * assertEquals(isBinary(new Uint8Array([0x12, 0x34, 0x00])), true);
 * ```
 *
 * @param bytes The bytes.
 * @returns `true` for binary.
 */
export function isBinary(bytes: Uint8Array): boolean {
  return bytes.some((byte) =>
    (byte < 0x20 && byte !== 9 && byte !== 10 && byte !== 13) || byte === 0x7f
  );
}

/** Options for {@linkcode hexDump}. */
export interface HexDumpOptions {
  /**
   * The offset of the first byte in the whole message, for the row labels.
   *
   * @default {0}
   */
  start?: number;
  /**
   * The offset (in the whole message) of a byte to mark with `^^`.
   *
   * @default {undefined}
   */
  mark?: number;
  /**
   * The most rows shown; rows around the mark are kept.
   *
   * @default {8}
   */
  maxRows?: number;
}

/**
 * Formats bytes as a hex dump.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { hexDump } from "./hex_dump.ts";
 * assertEquals(hexDump(new Uint8Array([0x12, 0x34, 0x41]), { mark: 1 }), [
 *   "0000  12 34 41                                          |.4A|",
 *   "         ^^ first difference at byte 1",
 * ]);
 * ```
 *
 * @param bytes The bytes.
 * @param options Where they start, a byte to mark, the most rows.
 * @returns The lines.
 */
export function hexDump(bytes: Uint8Array, options: HexDumpOptions = {}): string[] {
  const start = options.start ?? 0;
  const maxRows = options.maxRows ?? 8;
  const rows = Math.ceil(bytes.length / 16);
  const markRow = options.mark === undefined ? 0 : Math.floor((options.mark - start) / 16);
  let first = 0;
  if (rows > maxRows) {
    first = Math.max(0, Math.min(markRow - Math.floor(maxRows / 2), rows - maxRows));
  }
  const last = Math.min(rows, first + maxRows);
  const width = Math.max(4, (start + bytes.length).toString(16).length);
  const lines: string[] = [];
  if (first > 0) lines.push(`… ${first * 16} bytes before`);
  for (let row = first; row < last; row++) {
    const chunk = bytes.subarray(row * 16, row * 16 + 16);
    const hex = [...chunk].map((byte, i) =>
      `${i === 8 ? " " : ""}${byte.toString(16).padStart(2, "0")}`
    ).join(" ");
    const ascii = [...chunk].map((byte) =>
      byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : "."
    )
      .join("");
    const label = (start + row * 16).toString(16).padStart(width, "0");
    lines.push(`${label}  ${hex.padEnd(16 * 3, " ")}  |${ascii}|`);
    if (options.mark !== undefined && row === markRow) {
      const column = (options.mark - start) % 16;
      const indent = width + 2 + column * 3 + (column >= 8 ? 1 : 0);
      lines.push(`${" ".repeat(indent)}^^ first difference at byte ${options.mark}`);
    }
  }
  if (last < rows) lines.push(`… ${bytes.length - last * 16} bytes after`);
  return lines;
}
