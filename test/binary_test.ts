// Framing, fields and hex wildcards over real sockets: peers that send
// whole frames, half frames, and frames that never end.

import { assertEquals, assertStringIncludes } from "@std/assert";
import { failureOf, issuesOf, only, runText, startTestServer, write } from "./_helpers.ts";

Deno.test("a framed echo carries fields: a captured value is sent back and matched", async () => {
  const result = await runText(`
name: framed echo
server: echo
steps:
  - connect: { framing: { prefix: u16be } }
  - send: { fields: [{ u16be: 513 }, { text: "hi" }, { i8: -1 }] }
  - expect: { fields: [{ u16be: id }, { text: { bytes: 2, as: word } }, { i8: -1 }] }
  - send: { fields: [{ u32le: "\${id}" }, { text: "\${word}" }] }
  - expect: { hex: "01 02 ?? ?? 68 69" }
`);
  assertEquals(only(result).status, "passed");
  const sent = only(result).transcript.filter((event) => event.kind === "send");
  // The length field is Parley's: 5 bytes of fields behind 00 05.
  assertEquals([...sent[0]!.bytes!], [0, 5, 2, 1, 0x68, 0x69, 0xff]);
});

Deno.test("a frame the peer never completes times out, saying how much of it came", async () => {
  await using server = startTestServer(async (conn) => {
    await write(conn, new Uint8Array([0, 10, 1, 2, 3]));
    await conn.read(new Uint8Array(1));
  });
  const failure = failureOf(only(
    await runText(`
name: half a frame
target: "tcp://127.0.0.1:${server.port}"
timeout: 300ms
steps:
  - connect: { framing: { prefix: u16be } }
  - expect: { hex: "01 02 03" }
`),
  ));
  assertEquals(failure.reason, "timeout");
  assertEquals(
    failure.message,
    `Timed out after 300ms waiting for a frame (a u16be length) for "\\x01\\x02\\x03" (5 bytes of it arrived)`,
  );
});

Deno.test("a frame cut short by the peer's close fails with how many bytes came", async () => {
  await using server = startTestServer(async (conn) => {
    await write(conn, new Uint8Array([0, 10, 1, 2, 3]));
  });
  const failure = failureOf(only(
    await runText(`
name: truncated
target: "tcp://127.0.0.1:${server.port}"
steps:
  - connect: { framing: { prefix: u16be } }
  - expect: { hex: "01 02 03" }
`),
  ));
  assertEquals(failure.reason, "mismatch");
  assertEquals(failure.message, "The stream ended inside a frame of 12 bytes, after 5 of them");
});

Deno.test("a varint length over four bytes fails at once, naming the offset", async () => {
  await using server = startTestServer(async (conn) => {
    await write(conn, new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await conn.read(new Uint8Array(1));
  });
  const failure = failureOf(only(
    await runText(`
name: bad varint
target: "tcp://127.0.0.1:${server.port}"
steps:
  - connect: { framing: { prefix: varint, skip: 1 } }
  - expect: { hex: "30" }
`),
  ));
  assertEquals(failure.message, "Invalid varint length at byte 1: more than 4 bytes");
});

Deno.test("?? never matches a missing byte: a short frame fails", async () => {
  const failure = failureOf(only(
    await runText(`
name: short
server: echo
steps:
  - connect: { framing: { prefix: u8 } }
  - send: { hex: "01 02" }
  - expect: { hex: "01 02 ??" }
`),
  ));
  assertEquals(failure.message, "Frame ended early at byte 2");
});

Deno.test("a wrong field fails with its number, type, offset, and a hex dump of what came", async () => {
  const result = await runText(`
name: wrong field
server: echo
steps:
  - connect: { framing: { prefix: u16be } }
  - send: { hex: "12 34 00 01 00 02" }
  - expect: { fields: [{ u16be: id }, { u16be: 1 }, { u16be: 1 }] }
`);
  const failure = failureOf(only(result));
  assertEquals(failure.message, "Field 3 (u16be) at byte 4: expected 1, got 2");
  assertEquals(failure.offset, 4);
  const { formatFailure } = await import("../runner/report/failure.ts");
  const text = formatFailure("t.yaml", only(result)).join("\n");
  assertStringIncludes(
    text,
    [
      "  received: 6 bytes",
      "    0000  12 34 00 01 00 02                                 |.4....|",
      "                      ^^ first difference at byte 4",
    ].join("\n"),
  );
});

Deno.test("sending the wrong size for fixed frames, or fields that do not fit, is an error", async () => {
  const result = await runText(`
name: sizes
server: echo
scenarios:
  - name: fixed
    steps:
      - connect: { framing: { fixed: 4 } }
      - send: { hex: "01 02" }
  - name: too big
    steps:
      - connect
      - set: { n: "300" }
      - send: { fields: [{ u8: "\${n}" }] }
`);
  assertEquals(result.scenarios.map((scenario) => failureOf(scenario).message), [
    `Cannot frame the message for "main" (4-byte frames): A frame is 4 bytes, this message is 2`,
    "Field 1: 300 does not fit in u8 (0 to 255)",
  ]);
});

Deno.test("fields and framing are checked where they are written", () => {
  const issues = issuesOf(
    `name: s
server: echo
steps:
  - connect: { framing: { prefix: u24, delimiter: x } }
  - connect: { as: b, framing: { fixed: 2, skip: 1 } }
  - connect: { as: u, transport: udp, framing: { fixed: 2 } }
  - send: { fields: [{ u16be: id }, { skip: 2 }, { hex: "0g" }, { u8: 300 }] }
  - send: { hex: "01 ??" }
  - expect: { fields: [{ u16be: id }, { text: { bytes: 2, as: word } }, { skip: rest }, { u8: 1, u16be: 2 }] }
  - send: "\${id} \${word}"
`,
  );
  assertEquals(issues, [
    [4, `"framing" takes one of "prefix", "delimiter" or "fixed", got "prefix", "delimiter"`],
    [5, `"skip" goes with "prefix"`],
    [6, `"framing" applies to streams: on UDP every datagram is a message already`],
    [7, `A name ("id") that captures applies to expect: send writes values, it reads none`],
    [7, `"skip" applies to expect: send writes values, it reads none`],
    [7, `Invalid hex "0g": expected pairs of hex digits`],
    [7, `Invalid u8 "300": expected a whole number from 0 to 255`],
    [8, `Invalid hex "01 ??": expected pairs of hex digits, optionally separated by spaces`],
    [
      9,
      `Expected a field to be a mapping with one of "u8", "u16be", "u16le", "u32be", "u32le", "i8", "i16be", "i16le", "i32be", "i32le", "hex", "text", "skip", got a mapping`,
    ],
  ]);
});

Deno.test("chunks split a frame's bytes, length field included, into several writes", async () => {
  const result = await runText(`
name: chunked frame
server: echo
steps:
  - connect: { framing: { prefix: u16be } }
  - send: { text: "abcdef", chunks: 3, delay: 5ms }
  - expect: abcdef
`);
  assertEquals(only(result).status, "passed");
  const sends = only(result).transcript.filter((event) => event.kind === "send");
  assertEquals(sends.map((event) => [...event.bytes!]), [
    [0, 6, 0x61],
    [0x62, 0x63, 0x64],
    [0x65, 0x66],
  ]);
});
