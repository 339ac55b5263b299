/**
 * Binary integers as protocols write them: fixed-size big- and little-endian
 * fields, and the 7-bit variable-length integer of MQTT and protobuf.
 *
 * @module
 */

/** A fixed-size integer field. */
export type IntType =
  | "u8"
  | "u16be"
  | "u16le"
  | "u32be"
  | "u32le"
  | "i8"
  | "i16be"
  | "i16le"
  | "i32be"
  | "i32le";

/** The integer types, in the order messages list them. */
export const INT_TYPES: readonly IntType[] = [
  "u8",
  "u16be",
  "u16le",
  "u32be",
  "u32le",
  "i8",
  "i16be",
  "i16le",
  "i32be",
  "i32le",
];

/**
 * How many bytes an integer type takes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { intSize } from "./binary.ts";
 * assertEquals(intSize("u16be"), 2);
 * ```
 *
 * @param type The type.
 * @returns 1, 2 or 4.
 */
export function intSize(type: IntType): number {
  return type.endsWith("8") ? 1 : type.includes("16") ? 2 : 4;
}

/**
 * The smallest and largest value of an integer type.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { intRange } from "./binary.ts";
 * assertEquals(intRange("i8"), [-128, 127]);
 * ```
 *
 * @param type The type.
 * @returns `[min, max]`.
 */
export function intRange(type: IntType): [number, number] {
  const bits = intSize(type) * 8;
  return type.startsWith("u") ? [0, 2 ** bits - 1] : [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}

/**
 * Reads an integer field.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readInt } from "./binary.ts";
 * assertEquals(readInt("u16be", new Uint8Array([0x12, 0x34]), 0), 0x1234);
 * assertEquals(readInt("i16le", new Uint8Array([0xfe, 0xff]), 0), -2);
 * ```
 *
 * @param type The type.
 * @param bytes Where it is.
 * @param offset Where it starts; `intSize(type)` bytes must follow.
 * @returns Its value.
 */
export function readInt(type: IntType, bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, intSize(type));
  const little = type.endsWith("le");
  switch (type) {
    case "u8":
      return view.getUint8(0);
    case "i8":
      return view.getInt8(0);
    case "u16be":
    case "u16le":
      return view.getUint16(0, little);
    case "i16be":
    case "i16le":
      return view.getInt16(0, little);
    case "u32be":
    case "u32le":
      return view.getUint32(0, little);
    case "i32be":
    case "i32le":
      return view.getInt32(0, little);
  }
}

/**
 * Writes an integer field.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeInt } from "./binary.ts";
 * assertEquals(writeInt("u16le", 0x1234), new Uint8Array([0x34, 0x12]));
 * ```
 *
 * @param type The type.
 * @param value A whole number within the type's range.
 * @returns Its bytes.
 * @throws {RangeError} When the value does not fit.
 */
export function writeInt(type: IntType, value: number): Uint8Array {
  const [min, max] = intRange(type);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${value} does not fit in ${type} (${min} to ${max})`);
  }
  const bytes = new Uint8Array(intSize(type));
  const view = new DataView(bytes.buffer);
  const little = type.endsWith("le");
  if (type === "u8") view.setUint8(0, value);
  else if (type === "i8") view.setInt8(0, value);
  else if (type.startsWith("u16")) view.setUint16(0, value, little);
  else if (type.startsWith("i16")) view.setInt16(0, value, little);
  else if (type.startsWith("u32")) view.setUint32(0, value, little);
  else view.setInt32(0, value, little);
  return bytes;
}

/** The most bytes a variable-length integer may take (MQTT's limit). */
export const MAX_VARINT_BYTES = 4;

/**
 * Reads a variable-length integer: 7 bits a byte, least significant first,
 * the high bit set on every byte but the last.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readVarint } from "./binary.ts";
 * assertEquals(readVarint(new Uint8Array([0xc1, 0x02]), 0), { value: 321, size: 2 });
 * assertEquals(readVarint(new Uint8Array([0x80]), 0), "incomplete");
 * assertEquals(readVarint(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x01]), 0), "too long");
 * ```
 *
 * @param bytes Where it is.
 * @param offset Where it starts.
 * @returns Its value and size, `"incomplete"` when more bytes are needed,
 *   or `"too long"` past {@linkcode MAX_VARINT_BYTES}.
 */
export function readVarint(
  bytes: Uint8Array,
  offset: number,
): { value: number; size: number } | "incomplete" | "too long" {
  let value = 0;
  for (let index = 0; index < MAX_VARINT_BYTES; index++) {
    if (offset + index >= bytes.length) return "incomplete";
    const byte = bytes[offset + index]!;
    value += (byte & 0x7f) * 2 ** (7 * index);
    if ((byte & 0x80) === 0) return { value, size: index + 1 };
  }
  return "too long";
}

/**
 * Writes a variable-length integer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeVarint } from "./binary.ts";
 * assertEquals(writeVarint(321), new Uint8Array([0xc1, 0x02]));
 * ```
 *
 * @param value A whole number from 0 to 268,435,455.
 * @returns Its bytes.
 * @throws {RangeError} When it does not fit in four bytes.
 */
export function writeVarint(value: number): Uint8Array {
  const max = 2 ** (7 * MAX_VARINT_BYTES) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${value} does not fit in a varint (0 to ${max})`);
  }
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return new Uint8Array(bytes);
}
