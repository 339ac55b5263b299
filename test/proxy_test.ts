// The fault proxy on real sockets: UDP loss, duplication, reordering and
// corruption decided by the seed, TCP latency, slicing, bandwidth, limits,
// stalls and refusal, observed on the wire with margins, not exact timings.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { createReporters, runFiles, startServer } from "../mod.ts";
import { FaultProxy } from "../runner/channels/proxy.ts";
import { datagramFate, type Faults } from "../runner/faults.ts";
import { Transcript } from "../runner/transcript.ts";
import { Deadline } from "../runner/deadline.ts";
import { untilAborted } from "../runner/channels/channel.ts";
import { CLI, failureOf, issuesOf, only, runParley, runText } from "./_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends datagrams through a proxy to the echo server; returns the replies that came back. */
async function throughUdpProxy(
  faults: Faults,
  messages: string[],
  expected: number,
): Promise<{ replies: string[]; notes: string[] }> {
  await using echo = startServer("echo");
  const transcript = new Transcript();
  await using proxy = FaultProxy.start(
    "net",
    {
      transport: "udp",
      hostname: "127.0.0.1",
      port: echo.port,
    },
    faults,
    { transcript },
  );
  const socket = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const replies: string[] = [];
  try {
    for (const message of messages) {
      await socket.send(encoder.encode(message), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: proxy.port,
      });
    }
    using deadline = new Deadline(5_000);
    while (replies.length < expected) {
      const next = await untilAborted(socket.receive(), deadline.signal);
      if (next === undefined) break;
      replies.push(decoder.decode(next[0]));
    }
  } finally {
    socket.close();
  }
  await proxy.close();
  const notes = transcript.events.filter((event) => event.kind === "note").map((event) =>
    event.detail ?? ""
  );
  return { replies, notes };
}

Deno.test("UDP loss drops exactly the datagrams its seed picks, the same on every run", async () => {
  const faults: Faults = { up: { loss: 0.3 }, down: {}, seed: 7, refuse: false };
  const messages = Array.from({ length: 30 }, (_, i) => `d${i + 1}`);
  const survivors = messages.filter((message, i) =>
    datagramFate(faults.up, {
      seed: 7,
      direction: "up",
      index: i + 1,
      size: message.length,
      sent: 0,
    }).dropped === undefined
  );
  assert(survivors.length > 10 && survivors.length < 30);
  const first = await throughUdpProxy(faults, messages, survivors.length);
  assertEquals(first.replies.sort(), [...survivors].sort());
  const dropped = first.notes.filter((note) => note.includes("dropped"));
  assertEquals(dropped.length, 30 - survivors.length);
  const again = await throughUdpProxy(faults, messages, survivors.length);
  assertEquals(again.notes.filter((note) => note.includes("dropped")), dropped);
});

Deno.test("UDP duplication, reordering and corruption happen on the wire", async () => {
  const duplicated = await throughUdpProxy(
    { up: { duplicate: 1 }, down: {}, seed: 1, refuse: false },
    ["a"],
    2,
  );
  assertEquals(duplicated.replies, ["a", "a"]);
  const reordered = await throughUdpProxy(
    { up: {}, down: { reorder: 1 }, seed: 1, refuse: false },
    ["1", "2", "3", "4"],
    4,
  );
  // Each held datagram goes out after the next one.
  assertEquals(reordered.replies, ["2", "1", "4", "3"]);
  const corrupted = await throughUdpProxy(
    { up: { corrupt: 1 }, down: {}, seed: 1, refuse: false },
    ["abc"],
    1,
  );
  assertEquals(corrupted.replies.length, 1);
  assert(corrupted.replies[0] !== "abc");
  assert(corrupted.notes.some((note) => note.startsWith("up: corrupted byte")));
});

Deno.test("TCP latency delays each direction by at least its value", async () => {
  const result = await runText(`
name: slow link
server: echo
steps:
  - connect: { faults: { latency: 100ms, jitter: 10ms } }
  - send: "ping\\n"
  - expect: { line: ping }
`);
  const scenario = only(result);
  assertEquals(scenario.status, "passed");
  // Up and down: two latencies of 90ms at least.
  assert(scenario.steps[2]!.duration >= 175, `${scenario.steps[2]!.duration}ms`);
  assert(
    scenario.transcript.some((event) =>
      /^up \(connection 1\): delayed 5 bytes by \d+ms$/.test(event.detail ?? "")
    ),
  );
});

Deno.test("TCP slices, bandwidth and a byte limit shape what arrives", async () => {
  const result = await runText(`
name: shaped
server: echo
scenarios:
  - name: sliced
    steps:
      - connect: { faults: { slice: { down: { size: 2, delay: 5ms } } } }
      - send: "abcdef\\n"
      - expect: { line: abcdef }
  - name: throttled
    steps:
      - connect: { faults: { bandwidth: { down: 10KiB/s } } }
      - send: { text: "${"x".repeat(2047)}\\n" }
      - expect: { line: { regex: "^x{2047}$" } }
  - name: cut after 10 bytes
    steps:
      - connect: { faults: { limit: { down: 10 } } }
      - send: "0123456789abcdef"
      - expect: "0123456789"
      - expect: { closed: true }
`);
  assertEquals(result.scenarios.map((scenario) => scenario.status), ["passed", "passed", "passed"]);
  const [sliced, throttled] = result.scenarios;
  assert(
    sliced!.transcript.some((event) =>
      event.detail === "down (connection 1): chunk 1 sent in 4 slices"
    ),
  );
  // 2 KiB at 10 KiB/s: the last bytes leave 180ms after the first.
  assert(throttled!.steps[2]!.duration >= 150, `${throttled!.steps[2]!.duration}ms`);
});

Deno.test("a stalled TCP link keeps the connection open and forwards nothing", async () => {
  const failure = failureOf(only(
    await runText(`
name: stalled
server: echo
timeout: 300ms
steps:
  - connect: { faults: { timeout: { up: 50ms } } }
  - send: "early\\n"
  - expect: { line: early }
  - sleep: 100ms
  - send: "late\\n"
  - expect: { line: late }
`),
  ));
  assertEquals(failure.reason, "timeout");
  assertEquals(
    failure.message,
    `Timed out after 300ms waiting for line "late" on "main" (nothing unread)`,
  );
});

Deno.test("a proxy that is down refuses connections", async () => {
  const failure = failureOf(only(
    await runText(`
name: down
server: echo
steps:
  - proxy: { as: net, to: "tcp://127.0.0.1:\${port}", faults: { down: true } }
  - connect: { to: "tcp://127.0.0.1:\${net.port}" }
`),
  ));
  assertEquals(failure.reason, "refused");
});

Deno.test("a proxy step serves a UDP conversation, with \${NAME.port}", async () => {
  const result = await runText(`
name: lossless
server: echo
steps:
  - proxy: { as: net, to: "udp://127.0.0.1:\${port}", faults: { delay: 20ms, seed: 3 } }
  - connect: { to: "udp://127.0.0.1:\${net.port}" }
  - send: hello
  - expect: hello
`);
  assertEquals(only(result).status, "passed");
  assert(
    only(result).transcript.some((event) => event.detail === "up: delayed datagram 1 by 20ms"),
  );
});

Deno.test("faults are checked: the transport they apply to, chances, and resets Deno cannot make", () => {
  const issues = issuesOf(
    `name: s
server: echo
steps:
  - connect: { faults: { loss: 10% } }
  - proxy: { as: net, to: "udp://127.0.0.1:9", faults: { latency: 1s, duplicate: 150% } }
  - connect: { as: b, faults: { reset_after: 1KiB } }
`,
  );
  const messages = issues.map(([, message]) => message);
  assertEquals(messages.slice(0, 3), [
    `"loss" applies to UDP proxies: this one is TCP`,
    `"latency" applies to TCP proxies: this one is UDP`,
    `Expected "duplicate" to be a chance from 0 to 1, or a percentage like "30%", got "150%"`,
  ]);
  assert(messages[3]!.startsWith(`"reset_after" is not available: Deno cannot abort`), messages[3]);
});

Deno.test("parley proxy runs standalone, printing what it does, until SIGTERM", async () => {
  await using echo = startServer("echo");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "proxy",
      "--to",
      `udp://127.0.0.1:${echo.port}`,
      "--duplicate",
      "100%",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value: first } = await lines.read();
  const port = Number(/127\.0\.0\.1:(\d+), forwarding to/.exec(first ?? "")?.[1]);
  const socket = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  try {
    await socket.send(encoder.encode("twice"), { transport: "udp", hostname: "127.0.0.1", port });
    using deadline = new Deadline(5_000);
    const replies: string[] = [];
    while (replies.length < 2) {
      const next = await untilAborted(socket.receive(), deadline.signal);
      if (next === undefined) break;
      replies.push(decoder.decode(next[0]));
    }
    assertEquals(replies, ["twice", "twice"]);
  } finally {
    socket.close();
  }
  child.kill("SIGTERM");
  assertEquals((await child.status).code, 0);
  await lines.cancel();
  const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
  assertStringIncludes(stderr, "up: duplicated datagram 1");
});

Deno.test("parley proxy checks its faults as a suite would", async () => {
  const run = await runParley(["proxy", "--to", "tcp://127.0.0.1:9", "--loss", "10%"]);
  assertEquals(run.code, 2);
  assertStringIncludes(run.stderr, `error: "loss" applies to UDP proxies: this one is TCP`);
});

Deno.test("the HTML report's diagram shows what the proxy did", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/lossy.yaml`,
      `name: lossy
server: echo
timeout: 300ms
steps:
  - proxy: { as: net, to: "udp://127.0.0.1:\${port}", faults: { loss: 100% } }
  - connect: { to: "udp://127.0.0.1:\${net.port}" }
  - send: lost
  - expect: lost
`,
    );
    const written = new Map<string, string>();
    const reporters = await createReporters(["html=report.html"], {
      writeFile: (path, text) => {
        written.set(path, text);
        return Promise.resolve();
      },
    });
    await runFiles([`${dir}/lossy.yaml`], { reporters });
    const html = written.get("report.html")!;
    assertStringIncludes(html, `class="lane">net</text>`);
    assertStringIncludes(html, "note: up: dropped datagram 1 (loss)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a UDP limit drops every datagram past that many bytes", async () => {
  const { replies, notes } = await throughUdpProxy(
    { up: { limit: 10 }, down: {}, seed: 1, refuse: false },
    ["aaaa", "bbbb", "cccc", "dddd"],
    2,
  );
  assertEquals(replies, ["aaaa", "bbbb"]);
  assertEquals(notes.filter((note) => note.includes("(limit)")), [
    "up: dropped datagram 3 (limit)",
    "up: dropped datagram 4 (limit)",
  ]);
});

Deno.test("a slow close holds the end of stream back", async () => {
  const result = await runText(`
name: slow close
target: "tcp://127.0.0.1:1"
scenarios:
  - name: the server's close comes late
    steps:
      - listen: { as: srv }
      - proxy: { as: net, to: "tcp://127.0.0.1:\${srv.port}", faults: { slow_close: { down: 150ms } } }
      - connect: { as: c, to: "tcp://127.0.0.1:\${net.port}" }
      - accept: { on: srv, as: s }
      - close: s
      - expect: { on: c, closed: true }
`);
  const scenario = only(result);
  assertEquals(scenario.status, "passed");
  assert(scenario.steps[5]!.duration >= 140, `${scenario.steps[5]!.duration}ms`);
  assert(
    scenario.transcript.some((event) =>
      event.detail === "down (connection 1): end of stream held for 150ms"
    ),
  );
});

Deno.test("parley proxy and record refuse a --listen that is not HOST:PORT", async () => {
  for (
    const command of [["proxy", "--to", "udp://127.0.0.1:9"], [
      "record",
      "--to",
      "tcp://127.0.0.1:9",
    ]]
  ) {
    const run = await runParley([...command, "--listen", "localhost"]);
    assertEquals(run.code, 2);
    assertStringIncludes(
      run.stderr,
      `error: Invalid --listen "localhost": expected HOST:PORT, like 127.0.0.1:8000`,
    );
  }
});

Deno.test("a TCP proxy relays a bounded number of connections and closes the rest at once", async () => {
  await using echo = startServer("echo");
  const transcript = new Transcript();
  await using proxy = FaultProxy.start(
    "net",
    { transport: "tcp", hostname: "127.0.0.1", port: echo.port },
    { up: {}, down: {}, seed: 1, refuse: false },
    { transcript, maxConnections: 2 },
  );
  const conns = await Promise.all(
    [1, 2, 3].map(() => Deno.connect({ hostname: "127.0.0.1", port: proxy.port })),
  );
  try {
    // The first two echo; the third is closed by the proxy.
    for (const conn of conns.slice(0, 2)) {
      await conn.write(encoder.encode("x"));
      const byte = new Uint8Array(1);
      assertEquals(await conn.read(byte), 1);
    }
    using deadline = new Deadline(5_000);
    assertEquals(await untilAborted(conns[2]!.read(new Uint8Array(1)), deadline.signal), null);
  } finally {
    for (const conn of conns) conn.close();
  }
  assert(
    transcript.events.some((event) =>
      event.detail === "connection 3: closed at once, 2 connections are open"
    ),
  );
});
