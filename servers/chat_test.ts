import { assert, assertEquals, assertMatch } from "@std/assert";
import { LineClient } from "../test/line_client.ts";
import { MAX_LINE_BYTES, PROMPT } from "./chat.ts";
import { startServer } from "./mod.ts";
import { reportFigure } from "../test/_helpers.ts";

async function join(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  await client.expectText(PROMPT);
  await client.send(`${name}\n`);
  await client.expectLines(`[SERVER] ${name} joined the chat!`, "[SERVER] Welcome to the chat!");
  return client;
}

Deno.test("chat prompts, joins and welcomes", async () => {
  await using server = startServer("chat");
  await using alice = await join(server.port, "alice");
  await using bob = await LineClient.connect(server.port);
  await bob.expectText(PROMPT);
  await bob.send("  bob \r\n");
  await alice.expectLines("[SERVER] bob joined the chat!");
  await bob.expectLines("[SERVER] bob joined the chat!", "[SERVER] Welcome to the chat!");
});

Deno.test("chat sends a message to everyone but the sender", async () => {
  await using server = startServer("chat");
  await using alice = await join(server.port, "alice");
  await using bob = await join(server.port, "bob");
  await alice.expectLines("[SERVER] bob joined the chat!");
  await alice.send("  hi bob  \n");
  await bob.expectLines("[alice] hi bob");
  assertEquals(await alice.isSilentFor(100), true);
});

Deno.test("chat ignores empty lines", async () => {
  await using server = startServer("chat");
  await using alice = await join(server.port, "alice");
  await using bob = await join(server.port, "bob");
  await alice.expectLines("[SERVER] bob joined the chat!");
  await alice.send("\n   \nreal\n");
  await bob.expectLines("[alice] real");
});

Deno.test("chat lists users in join order to the sender only", async () => {
  await using server = startServer("chat");
  await using carol = await join(server.port, "carol");
  await using alice = await join(server.port, "alice");
  await carol.expectLines("[SERVER] alice joined the chat!");
  await alice.send("/users\n");
  await alice.expectLines("[SERVER] Online users: carol, alice");
  assertEquals(await carol.isSilentFor(100), true);
});

Deno.test("chat refuses names in use, too long, with control characters or a leading [", async () => {
  await using server = startServer("chat");
  await using alice = await join(server.port, "alice");
  await using client = await LineClient.connect(server.port);
  await client.expectText(PROMPT);
  for (const name of ["alice", "x".repeat(33), "a\x01b", "[SERVER]"]) {
    await client.send(`${name}\n`);
    await client.expectText(`[SERVER] Username refused\n${PROMPT}`);
  }
  await client.send(`${"y".repeat(32)}\n`);
  await client.expectLines(
    `[SERVER] ${"y".repeat(32)} joined the chat!`,
    "[SERVER] Welcome to the chat!",
  );
  await alice.expectLines(`[SERVER] ${"y".repeat(32)} joined the chat!`);
});

Deno.test("chat names an empty username after the client's port", async () => {
  await using server = startServer("chat");
  await using client = await LineClient.connect(server.port);
  await client.expectText(PROMPT);
  await client.send("\n");
  assertMatch(await client.readLine(), /^\[SERVER\] User_\d+ joined the chat!$/);
});

Deno.test("chat says goodbye on /quit and on a disconnect", async () => {
  await using server = startServer("chat");
  await using alice = await join(server.port, "alice");
  const bob = await join(server.port, "bob");
  await alice.expectLines("[SERVER] bob joined the chat!");
  await bob.send("/quit\n");
  await bob.expectClosed();
  await bob.close();
  await alice.expectLines("[SERVER] bob left the chat");
  const carol = await join(server.port, "carol");
  await alice.expectLines("[SERVER] carol joined the chat!");
  await carol.close();
  await alice.expectLines("[SERVER] carol left the chat");
  await alice.send("/users\n");
  await alice.expectLines("[SERVER] Online users: alice");
});

Deno.test("a client leaving at the prompt is not announced", async () => {
  await using server = startServer("chat");
  await using alice = await join(server.port, "alice");
  const lurker = await LineClient.connect(server.port);
  await lurker.expectText(PROMPT);
  await lurker.close();
  await using _bob = await join(server.port, "bob");
  await alice.expectLines("[SERVER] bob joined the chat!");
});

Deno.test("chat refuses lines over 4 KiB and keeps serving", async () => {
  await using server = startServer("chat");
  await using alice = await join(server.port, "alice");
  await using bob = await join(server.port, "bob");
  await alice.expectLines("[SERVER] bob joined the chat!");
  await alice.send(`${"z".repeat(MAX_LINE_BYTES * 3)}\nafter\n`);
  await alice.expectLines(`[SERVER] Line too long (max ${MAX_LINE_BYTES} bytes)`);
  await bob.expectLines("[alice] after");
});

Deno.test("chat survives invalid UTF-8", async () => {
  await using server = startServer("chat");
  await using alice = await join(server.port, "alice");
  await using bob = await join(server.port, "bob");
  await alice.expectLines("[SERVER] bob joined the chat!");
  await alice.send(new Uint8Array([0x68, 0xff, 0xfe, 0x69, 0x0a]));
  await bob.expectLines("[alice] h\uFFFD\uFFFDi");
});

Deno.test("chat disconnects a client that never reads, and the others go on", async () => {
  await using server = startServer("chat");
  const sleeper = await join(server.port, "sleeper");
  await using talker = await join(server.port, "talker");
  await using watcher = await join(server.port, "watcher");
  const line = `${"m".repeat(4000)}\n`;
  // Far more than the kernel's socket buffers plus the server's queue limit.
  const flood = line.repeat(256);
  let left = false;
  // The watcher reads all along, so it is never the one behind.
  const watching = (async () => {
    await watcher.skipThrough("[SERVER] sleeper left the chat\n");
    left = true;
    await watcher.skipThrough("[talker] done\n");
  })();
  // Bounded: 64 MiB at most, far past every buffer on the way.
  for (let i = 0; i < 64 && !left; i++) await talker.send(flood);
  await talker.send("done\n");
  await watching;
  assertEquals(left, true);
  await sleeper.close();
  await talker.send("/users\n");
  await talker.skipThrough("[SERVER] Online users: talker, watcher\n");
});

Deno.test("chat serves hundreds of clients", async () => {
  await using server = startServer("chat");
  const count = 200;
  const clients: LineClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = await LineClient.connect(server.port);
    await client.expectText(PROMPT);
    await client.send(`user${i}\n`);
    await client.skipThrough("[SERVER] Welcome to the chat!\n");
    clients.push(client);
  }
  await clients[0]!.send("hello all\n");
  await Promise.all(clients.slice(1).map((client) => client.skipThrough("[user0] hello all\n")));
  await clients[count - 1]!.send("/users\n");
  await clients[count - 1]!.skipThrough(
    `[SERVER] Online users: ${Array.from({ length: count }, (_, i) => `user${i}`).join(", ")}\n`,
  );
  await Promise.all(clients.map((client) => client.close()));
});

Deno.test("chat refuses names with invisible, format or bidi characters, or a comma", async () => {
  await using server = startServer("chat");
  await using client = await LineClient.connect(server.port);
  await client.expectText(PROMPT);
  const names = [
    "al\u200bice", // zero-width space
    "al\u200dice", // zero-width joiner
    "\u202eecila", // right-to-left override
    "al\u2066ice", // left-to-right isolate
    "ali\ufeffce", // byte order mark
    "al\u3164ice", // Hangul filler (renders as nothing)
    "alice,bob", // would split /users
    "a\u0007b", // bell
  ];
  for (const name of names) {
    await client.send(`${name}\n`);
    await client.expectText(`[SERVER] Username refused\n${PROMPT}`);
  }
  await client.send("élodie\n");
  await client.expectLines("[SERVER] élodie joined the chat!", "[SERVER] Welcome to the chat!");
});

Deno.test("chat's memory returns near its idle level after 2,000 clients leave", async () => {
  // The server runs as a user runs it, in its own process, so its RSS is its own.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../cli.ts", import.meta.url).pathname, "serve", "chat"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const banner = (await lines.read()).value ?? "";
    const port = Number(/:(\d+) /.exec(banner)?.[1]);
    const rss = (): number =>
      Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${child.pid}/status`))?.[1]) /
      1024;
    const idle = rss();
    const clients: Deno.TcpConn[] = [];
    const encoder = new TextEncoder();
    for (let i = 0; i < 1999; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(encoder.encode(`user${i}\n`));
      clients.push(conn);
    }
    // Everyone has joined once the last one is welcomed.
    const last = await join(port, "user1999");
    const crowded = rss();
    for (const conn of clients) conn.close();
    await last.close();
    // The server collects once the last client is gone; wait for it, bounded.
    let after = rss();
    const deadline = Date.now() + 20_000;
    while (after > idle + 60 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = rss();
    }
    reportFigure(
      `chat RSS: idle ${idle.toFixed(0)} MiB, 2000 clients ${crowded.toFixed(0)} MiB, after ${
        after.toFixed(0)
      } MiB`,
    );
    assert(after <= idle + 60, `RSS ${after.toFixed(0)} MiB after, ${idle.toFixed(0)} MiB idle`);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await lines.cancel();
  }
});
