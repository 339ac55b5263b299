import { assertEquals, assertThrows } from "@std/assert";
import { expectFrame, frameMessage, type Framing, unframe } from "./framing.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

Deno.test("a length prefix is written after the skipped bytes and read back without it", () => {
  const mqtt: Framing = { kind: "prefix", prefix: "varint", skip: 1, adjust: 0 };
  const frame = frameMessage(mqtt, bytes(0x30, ...new Array(200).fill(7)));
  assertEquals([...frame.subarray(0, 3)], [0x30, 0xc8, 0x01]);
  const match = expectFrame(mqtt, 1024)(frame, false);
  assertEquals(match.status === "matched" && match.consumed, frame.length);
  assertEquals(unframe(mqtt, frame), bytes(0x30, ...new Array(200).fill(7)));
});

Deno.test("a length that counts itself is adjusted, as PostgreSQL's does", () => {
  const postgres: Framing = { kind: "prefix", prefix: "u32be", skip: 1, adjust: -4 };
  const frame = frameMessage(postgres, bytes(0x51, 0x41, 0x42));
  assertEquals(frame, bytes(0x51, 0, 0, 0, 6, 0x41, 0x42));
  assertEquals(expectFrame(postgres, 1024)(frame, false).status, "matched");
});

Deno.test("a frame cut short by the end of the stream fails with how much came", () => {
  const dns: Framing = { kind: "prefix", prefix: "u16be", skip: 0, adjust: 0 };
  const match = expectFrame(dns, 1024);
  assertEquals(match(bytes(0, 10, 1, 2, 3), false).status, "incomplete");
  assertEquals(match(bytes(0, 10, 1, 2, 3), true), {
    status: "mismatch",
    offset: 5,
    reason: "The stream ended inside a frame of 12 bytes, after 5 of them",
  });
  assertEquals(match(bytes(0), true), {
    status: "mismatch",
    offset: 1,
    reason: "The stream ended inside a frame, after 1 byte",
  });
});

Deno.test("a varint over four bytes and a frame over max_buffer fail at once", () => {
  const mqtt: Framing = { kind: "prefix", prefix: "varint", skip: 1, adjust: 0 };
  assertEquals(expectFrame(mqtt, 1024)(bytes(0x30, 0x80, 0x80, 0x80, 0x80, 0x01), false), {
    status: "mismatch",
    offset: 1,
    reason: "Invalid varint length at byte 1: more than 4 bytes",
  });
  const big: Framing = { kind: "prefix", prefix: "u32be", skip: 0, adjust: 0 };
  assertEquals(expectFrame(big, 1024)(bytes(0, 1, 0, 0), false), {
    status: "mismatch",
    offset: 0,
    reason: "A frame of 65540 bytes is larger than max_buffer (1024 bytes)",
  });
});

Deno.test("delimited and fixed-size frames", () => {
  const lines: Framing = { kind: "delimiter", delimiter: new TextEncoder().encode("\r\n") };
  assertEquals(frameMessage(lines, bytes(0x41)), bytes(0x41, 13, 10));
  const match = expectFrame(lines, 1024)(bytes(0x41, 13, 10, 0x42), false);
  assertEquals(match.status === "matched" && match.consumed, 3);
  assertEquals(unframe(lines, bytes(0x41, 13, 10)), bytes(0x41));
  const fixed: Framing = { kind: "fixed", size: 2 };
  assertThrows(
    () => frameMessage(fixed, bytes(1)),
    RangeError,
    "A frame is 2 bytes, this message is 1",
  );
  assertEquals(expectFrame(fixed, 1024)(bytes(1), false).status, "incomplete");
});
