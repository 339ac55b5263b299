/**
 * Binary fields: a message described as integers, bytes and text, for
 * `send: { fields }` (encoded) and `expect: { fields }` (matched field by
 * field, capturing values into variables).
 *
 * @module
 */

import { concat } from "@std/bytes/concat";
import { encodeHex } from "@std/encoding/hex";
import { intSize, type IntType, readInt, writeInt } from "./binary.ts";
import { type BytePattern, describeByte, describePattern } from "./match/bytes.ts";
import {
  type Captures,
  INCOMPLETE,
  matched,
  type Matcher,
  type MatchResult,
  mismatch,
} from "./match/result.ts";

/**
 * One field as written. Texts may hold `${variables}`; an integer's value
 * that is a plain name captures (in `expect`).
 */
export type FieldSpec =
  | { readonly kind: "int"; readonly type: IntType; readonly value: number | string }
  | { readonly kind: "hex"; readonly value: string }
  | { readonly kind: "text"; readonly value: string }
  | {
    readonly kind: "bytes";
    readonly as: "hex" | "text";
    readonly size: number;
    readonly capture: string | undefined;
  }
  | { readonly kind: "skip"; readonly size: number | "rest" };

/** A field with its variables filled in, ready to encode or match. */
export type Field =
  | {
    readonly kind: "int";
    readonly type: IntType;
    /** The value it must have (or has, to send); `undefined` when it captures. */
    readonly expected: number | undefined;
    readonly capture: string | undefined;
  }
  | { readonly kind: "pattern"; readonly label: "hex" | "text"; readonly pattern: BytePattern }
  | {
    readonly kind: "bytes";
    readonly as: "hex" | "text";
    readonly size: number;
    readonly capture: string | undefined;
  }
  | { readonly kind: "skip"; readonly size: number | "rest" };

/**
 * Encodes fields into the bytes `send` writes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { encodeFields } from "./fields.ts";
 * const bytes = encodeFields([
 *   { kind: "int", type: "u16be", expected: 0x1234, capture: undefined },
 *   { kind: "pattern", label: "text", pattern: { bytes: new TextEncoder().encode("ok"), any: undefined } },
 * ]);
 * assertEquals(bytes, new Uint8Array([0x12, 0x34, 0x6f, 0x6b]));
 * ```
 *
 * @param fields The fields, filled in.
 * @returns The bytes.
 * @throws {RangeError} When a value does not fit its field, or a field cannot be sent.
 */
export function encodeFields(fields: readonly Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  fields.forEach((field, index) => {
    const name = `Field ${index + 1}`;
    switch (field.kind) {
      case "int":
        if (field.expected === undefined) {
          throw new RangeError(`${name} (${field.type}) has no value to send`);
        }
        try {
          parts.push(writeInt(field.type, field.expected));
        } catch (error) {
          throw new RangeError(`${name}: ${(error as Error).message}`, { cause: error });
        }
        break;
      case "pattern":
        if (field.pattern.any !== undefined) {
          throw new RangeError(`${name} (hex) has "??", which only expect takes`);
        }
        parts.push(field.pattern.bytes);
        break;
      default:
        throw new RangeError(`${name} (${field.kind}) only applies to expect`);
    }
  });
  return concat(parts) as Uint8Array;
}

/**
 * Matches fields against the next bytes: each integer compared or
 * captured (as decimal text), each byte run compared (`??` matches any
 * byte) or captured (as hex or text), `skip` passed over; `skip: rest`
 * takes every byte to the end (of a frame, a datagram, or the stream).
 * A failure names the field, its offset, what was expected and what came.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { expectFields } from "./fields.ts";
 * const match = expectFields([
 *   { kind: "int", type: "u16be", expected: undefined, capture: "id" },
 *   { kind: "int", type: "u8", expected: 1, capture: undefined },
 * ]);
 * assertEquals(match(new Uint8Array([0x12, 0x34, 1]), true), { status: "matched", consumed: 3, captures: { id: "4660" } });
 * assertEquals(match(new Uint8Array([0x12, 0x34, 2]), true).status, "mismatch");
 * ```
 *
 * @param fields The fields, filled in.
 * @returns The matcher.
 */
export function expectFields(fields: readonly Field[]): Matcher {
  return function matchFields(bytes: Uint8Array, ended: boolean): MatchResult {
    const captures: Captures = {};
    let at = 0;
    for (const [index, field] of fields.entries()) {
      const label = `Field ${index + 1} (${fieldLabel(field)}) at byte ${at}`;
      if (field.kind === "skip" && field.size === "rest") {
        if (!ended) return INCOMPLETE;
        at = bytes.length;
        continue;
      }
      const size = fieldSize(field);
      if (bytes.length < at + size) {
        return ended
          ? mismatch(
            bytes.length,
            `${label}: expected ${size} byte${size === 1 ? "" : "s"}, but the ${
              bytes.length - at <= 0
                ? "message ended before it"
                : `message ends after ${bytes.length - at}`
            }`,
          )
          : INCOMPLETE;
      }
      switch (field.kind) {
        case "int": {
          const value = readInt(field.type, bytes, at);
          if (field.capture !== undefined) captures[field.capture] = String(value);
          else if (value !== field.expected) {
            return mismatch(at, `${label}: expected ${field.expected}, got ${value}`);
          }
          break;
        }
        case "pattern": {
          const { bytes: want, any } = field.pattern;
          for (let i = 0; i < want.length; i++) {
            if (any?.[i] !== true && bytes[at + i] !== want[i]) {
              return mismatch(
                at + i,
                `${label}: expected ${describePattern(field.pattern)}, byte ${
                  at + i
                } differs: expected ${describeByte(want[i]!)}, got ${describeByte(bytes[at + i]!)}`,
              );
            }
          }
          break;
        }
        case "bytes":
          if (field.capture !== undefined) {
            const run = bytes.subarray(at, at + size);
            captures[field.capture] = field.as === "hex"
              ? encodeHex(run)
              : new TextDecoder().decode(run);
          }
          break;
      }
      at += size;
    }
    return matched(at, captures);
  };
}

function fieldSize(field: Field): number {
  switch (field.kind) {
    case "int":
      return intSize(field.type);
    case "pattern":
      return field.pattern.bytes.length;
    case "bytes":
      return field.size;
    case "skip":
      return field.size === "rest" ? 0 : field.size;
  }
}

function fieldLabel(field: Field): string {
  switch (field.kind) {
    case "int":
      return field.type;
    case "pattern":
      return field.label;
    case "bytes":
      return field.as;
    case "skip":
      return "skip";
  }
}
