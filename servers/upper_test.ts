import { assertEquals } from "@std/assert";
import { LineClient } from "../test/line_client.ts";
import { startServer } from "./mod.ts";
import { upperBytes, UpperCaser } from "./upper.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("upper uppercases Unicode like Python's str.upper", () => {
  assertEquals(decode(upperBytes(encode("straße ﬁx ǆ é ß"))), "STRASSE FIX Ǆ É SS");
});

Deno.test("upper keeps a character split across reads whole", () => {
  const upper = new UpperCaser();
  const bytes = encode("aé€😀z");
  const out: Uint8Array[] = [];
  for (const byte of bytes) out.push(upper.push(new Uint8Array([byte])));
  out.push(upper.flush());
  assertEquals(decode(new Uint8Array(out.flatMap((part) => [...part]))), "AÉ€😀Z");
});

Deno.test("upper passes bytes that are not UTF-8 unchanged", () => {
  const input = new Uint8Array([0x61, 0xff, 0x62, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x63]);
  assertEquals(
    upperBytes(input),
    new Uint8Array([0x41, 0xff, 0x42, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x43]),
  );
});

Deno.test("upper returns an unfinished character unchanged at the end", () => {
  const upper = new UpperCaser();
  assertEquals(upper.push(new Uint8Array([0x61, 0xe2, 0x82])), encode("A"));
  assertEquals(upper.flush(), new Uint8Array([0xe2, 0x82]));
});

Deno.test("upper serves TCP with characters split between sends", async () => {
  await using server = startServer("upper");
  await using client = await LineClient.connect(server.port);
  const bytes = encode("héllo wörld\n");
  await client.send(bytes.subarray(0, 2));
  await client.send(bytes.subarray(2));
  await client.expectLines("HÉLLO WÖRLD");
});

Deno.test("upper answers UDP datagrams", async () => {
  await using server = startServer("upper");
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    await socket.send(encode("ping é"), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: server.port,
    });
    const [reply] = await socket.receive();
    assertEquals(decode(reply), "PING É");
  } finally {
    socket.close();
  }
});
