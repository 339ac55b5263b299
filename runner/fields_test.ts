import { assertEquals, assertThrows } from "@std/assert";
import type { IntType } from "./binary.ts";
import { encodeFields, expectFields, type Field } from "./fields.ts";
import { expectPattern, parseHexPattern } from "./match/bytes.ts";
import { matchDatagram } from "./match/datagram.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const int = (type: IntType, expected?: number, capture?: string): Field => ({
  kind: "int",
  type,
  expected,
  capture,
});

Deno.test("a wrong field is named with its offset, expected and received", () => {
  const match = expectFields([
    int("u16be", undefined, "id"),
    { kind: "skip", size: 2 },
    int("u16be", 1),
  ]);
  assertEquals(match(bytes(0x12, 0x34, 0, 0, 0, 3), true), {
    status: "mismatch",
    offset: 4,
    reason: "Field 3 (u16be) at byte 4: expected 1, got 3",
  });
});

Deno.test("fields capture numbers as decimal text and bytes as hex or text", () => {
  const match = expectFields([
    int("i16le", undefined, "delta"),
    { kind: "bytes", as: "hex", size: 2, capture: "raw" },
    { kind: "bytes", as: "text", size: 2, capture: "word" },
    { kind: "skip", size: "rest" },
  ]);
  assertEquals(match(bytes(0xfe, 0xff, 0xab, 0xcd, 0x6f, 0x6b, 9, 9), true), {
    status: "matched",
    consumed: 8,
    captures: { delta: "-2", raw: "abcd", word: "ok" },
  });
});

Deno.test("skip: rest waits for the end of a stream, and takes all of a frame", () => {
  const match = expectFields([int("u8", 1), { kind: "skip", size: "rest" }]);
  assertEquals(match(bytes(1, 2, 3), false).status, "incomplete");
  assertEquals(matchDatagram(match, bytes(1, 2, 3)).status, "matched");
});

Deno.test("?? matches any byte but never a missing one", () => {
  const pattern = parseHexPattern("01 ?? 03 ??");
  assertEquals(matchDatagram(expectPattern(pattern), bytes(1, 9, 3, 7)).status, "matched");
  assertEquals(matchDatagram(expectPattern(pattern), bytes(1, 9, 3)), {
    status: "mismatch",
    offset: 3,
    reason: "Datagram ended early at byte 3",
  });
  const field = expectFields([{ kind: "pattern", label: "hex", pattern }]);
  assertEquals(field(bytes(1, 9, 3), true), {
    status: "mismatch",
    offset: 3,
    reason: "Field 1 (hex) at byte 0: expected 4 bytes, but the message ends after 3",
  });
});

Deno.test("sending fields checks each value fits", () => {
  assertEquals(encodeFields([int("u16le", 0x1234), int("i8", -1)]), bytes(0x34, 0x12, 0xff));
  assertThrows(
    () => encodeFields([int("u8", 256)]),
    RangeError,
    "Field 1: 256 does not fit in u8 (0 to 255)",
  );
});
