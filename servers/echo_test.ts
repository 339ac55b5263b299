import { assertEquals } from "@std/assert";
import { LineClient } from "../test/line_client.ts";
import { startServer } from "./mod.ts";

Deno.test("echo sends back every byte until the client closes", async () => {
  await using server = startServer("echo");
  await using client = await LineClient.connect(server.port);
  const text = "0123456789abcdef\n".repeat(10_000);
  await client.send(text);
  await client.closeWrite();
  assertEquals(await client.expectClosed(), text);
});

Deno.test("echo returns binary bytes unchanged", async () => {
  await using server = startServer("echo");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
  const writing = (async () => {
    let written = 0;
    while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    await conn.closeWrite();
  })();
  const received = new Uint8Array(bytes.length);
  let have = 0;
  while (have < bytes.length) {
    const n = await conn.read(received.subarray(have));
    if (n === null) break;
    have += n;
  }
  await writing;
  conn.close();
  assertEquals(received, bytes);
});

Deno.test("echo serves clients concurrently", async () => {
  await using server = startServer("echo");
  const clients = await Promise.all(
    Array.from({ length: 50 }, () => LineClient.connect(server.port)),
  );
  await Promise.all(clients.map((client, i) => client.send(`client ${i}\n`)));
  await Promise.all(clients.map((client, i) => client.expectLines(`client ${i}`)));
  await Promise.all(clients.map((client) => client.close()));
});

Deno.test("echo answers each UDP datagram to its sender", async () => {
  await using server = startServer("echo");
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const target: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: server.port };
    await socket.send(new TextEncoder().encode("ping"), target);
    const [reply] = await socket.receive();
    assertEquals(new TextDecoder().decode(reply), "ping");
  } finally {
    socket.close();
  }
});

Deno.test("a client that resets does not take echo down", async () => {
  await using server = startServer("echo");
  const rude = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await rude.write(new TextEncoder().encode("half a mess"));
  rude.close();
  await using client = await LineClient.connect(server.port);
  await client.send("still here\n");
  await client.expectLines("still here");
});

Deno.test("closing the server twice is safe", async () => {
  const server = startServer("echo");
  const client = await LineClient.connect(server.port);
  await server.close();
  await server.close();
  await client.expectClosed();
  await client.close();
});
