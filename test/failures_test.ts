import { assertEquals, assertStringIncludes } from "@std/assert";
import { failureOf, only, runText, startPythonPeer, startTestServer, write } from "./_helpers.ts";

const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

Deno.test("expect fails fast when a byte differs", async () => {
  const result = await runText(`
name: wrong reply
server: echo
timeout: 30s
steps:
  - connect
  - send: "hello world\\n"
  - expect: "hello there\\n"
`);
  const failure = failureOf(only(result));
  // A 30s timeout: only a fail-fast mismatch ends this test quickly with this reason.
  assertEquals(failure.reason, "mismatch");
  assertEquals(failure.step, 3);
  assertEquals(failure.offset, 6);
  assertEquals(failure.message, `Byte 6 differs: expected "t" (0x74), got "w" (0x77)`);
  assertEquals(decode(failure.received), "hello world\n");
  assertEquals(failure.expected, `"hello there\\n"`);
});

Deno.test("expect line fails fast on an unterminated line that already differs", async () => {
  await using server = startTestServer(async (conn) => {
    await write(conn, "HELLO");
    await conn.read(new Uint8Array(1));
  });
  const failure = failureOf(only(
    await runText(`
name: line
timeout: 30s
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: { line: "hello" }
`),
  ));
  assertEquals(failure.reason, "mismatch");
  assertEquals(failure.message, "Line differs at byte 0");
});

Deno.test("expect times out with what was received", async () => {
  const result = await runText(`
name: timeout
server: echo
timeout: 150ms
steps:
  - connect
  - send: "ab"
  - expect: { line: "abc" }
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "timeout");
  assertEquals(
    failure.message,
    `Timed out after 150ms waiting for line "abc" on "main" (2 unread bytes did not match)`,
  );
  assertEquals(decode(failure.received), "ab");
});

Deno.test("a step's own timeout wins over the suite's, and --timeout-scale multiplies it", async () => {
  const { parseSuite, runSuite } = await import("../mod.ts");
  const suite = parseSuite(`
name: scaled
server: echo
timeout: 10s
steps:
  - connect
  - expect: { text: "x", timeout: 50ms }
`);
  const result = await runSuite(suite, { timeoutScale: 2 });
  assertEquals(
    failureOf(only(result)).message,
    `Timed out after 100ms waiting for "x" on "main" (nothing unread)`,
  );
});

Deno.test("expect reports a peer that closes early", async () => {
  await using server = startTestServer(async (conn) => {
    await write(conn, "Enter your user");
    conn.close();
  });
  const failure = failureOf(only(
    await runText(`
name: early close
timeout: 30s
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: "Enter your username: "
`),
  ));
  assertEquals(failure.reason, "closed");
  assertEquals(
    failure.message,
    `Connection "main" was closed by the peer before "Enter your username: " arrived`,
  );
  assertEquals(decode(failure.received), "Enter your user");
});

Deno.test("expect closed passes when the peer closes with nothing unread", async () => {
  await using server = startTestServer(async (conn) => {
    await write(conn, "bye\n");
  });
  const scenario = only(
    await runText(`
name: closes
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: { line: "bye" }
  - expect: { closed: true }
`),
  );
  assertEquals(scenario.status, "passed");
});

Deno.test("expect closed fails when bytes are left unread", async () => {
  await using server = startTestServer(async (conn) => {
    await write(conn, "bye\nextra");
  });
  const failure = failureOf(only(
    await runText(`
name: closes
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: { line: "bye" }
  - expect: { closed: true }
`),
  ));
  assertEquals(failure.reason, "mismatch");
  assertEquals(failure.message, "Expected the peer to close, but 5 unread bytes arrived");
});

Deno.test("connect reports a refused connection", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const failure = failureOf(only(
    await runText(`
name: refused
steps:
  - connect: { to: "tcp://127.0.0.1:${port}" }
`),
  ));
  assertEquals(failure.reason, "refused");
  assertEquals(failure.message, `Cannot connect to "127.0.0.1:${port}": connection refused`);
});

Deno.test("connect with fails passes only when connecting fails that way", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = listener.addr.port;
  const result = await runText(`
name: port checks
scenarios:
  - name: nothing listens on port 1
    steps:
      - connect: { to: "tcp://127.0.0.1:1", fails: refused }
  - name: any failure counts
    steps:
      - connect: { to: "tcp://127.0.0.1:1", fails: any }
  - name: an open port fails the check
    steps:
      - connect: { to: "tcp://127.0.0.1:${open}", fails: refused }
  - name: the wrong kind of failure fails the check
    steps:
      - connect: { to: "tcp://no-such-host.invalid:80", fails: refused }
  - name: an unresolved name
    steps:
      - connect: { to: "tcp://no-such-host.invalid:80", fails: unresolved }
`);
  listener.close();
  assertEquals(result.scenarios.map((scenario) => scenario.status), [
    "passed",
    "passed",
    "failed",
    "failed",
    "passed",
  ]);
  assertEquals(
    failureOf(result.scenarios[2]!).message,
    `Expected connecting to "tcp://127.0.0.1:${open}" to fail with "refused", but it connected`,
  );
  assertStringIncludes(
    failureOf(result.scenarios[3]!).message,
    `Expected connecting to fail with "refused", but it failed with "unresolved"`,
  );
});

Deno.test("silence fails when bytes arrive", async () => {
  const failure = failureOf(only(
    await runText(`
name: silence
server: echo
steps:
  - connect
  - send: "x"
  - expect: { silence: 5s }
`),
  ));
  assertEquals(failure.reason, "mismatch");
  assertStringIncludes(
    failure.message,
    `Expected silence for 5s on "main", but 1 bytes arrived after `,
  );
});

Deno.test("silence passes when nothing arrives", async () => {
  const scenario = only(
    await runText(`
name: silence
server: echo
steps:
  - connect
  - expect: { silence: 50ms }
`),
  );
  assertEquals(scenario.status, "passed");
});

Deno.test("a reply split over many small writes still matches", async () => {
  await using server = startTestServer(async (conn) => {
    conn.setNoDelay(true);
    for (const byte of new TextEncoder().encode("[SERVER] Welcome to the chat!\r\nnext\n")) {
      await write(conn, new Uint8Array([byte]));
    }
    await conn.read(new Uint8Array(1));
  });
  const scenario = only(
    await runText(`
name: split
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: { line: "[SERVER] Welcome to the chat!" }
  - expect: "next\\n"
`),
  );
  assertEquals(scenario.status, "passed");
  const receives = scenario.transcript.filter((event) => event.kind === "receive").length;
  assertEquals(receives > 1, true, `expected several reads, got ${receives}`);
});

Deno.test("a failed step ends its scenario and the next one still runs", async () => {
  const result = await runText(`
name: isolation
server: echo
scenarios:
  - name: fails
    steps:
      - connect: alice
      - send: { on: alice, text: "a" }
      - expect: { on: alice, text: "b" }
      - send: { on: alice, text: "never sent" }
  - name: passes
    steps:
      - connect: alice
      - send: { on: alice, text: "ok" }
      - expect: { on: alice, text: "ok" }
`);
  assertEquals(result.scenarios.map((scenario) => scenario.status), ["failed", "passed"]);
  assertEquals(result.scenarios[0]!.steps.length, 3);
  const sent = result.scenarios[0]!.transcript.filter((event) => event.kind === "send");
  assertEquals(sent.length, 1);
});

Deno.test("a peer that sends more than max_buffer without a match fails the step", async () => {
  await using server = startTestServer(async (conn) => {
    const chunk = new Uint8Array(4096).fill(0x61);
    try {
      for (let i = 0; i < 64; i++) await write(conn, chunk);
    } catch {
      // The runner stopped reading and closed.
    }
  });
  const failure = failureOf(only(
    await runText(`
name: flood
max_buffer: 16KiB
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: { regex: "never" }
`),
  ));
  assertEquals(failure.reason, "overflow");
  assertEquals(
    failure.message,
    `Connection "main" holds more than 16384 unread bytes without a match; raise the suite's "max_buffer" if that much is expected`,
  );
});

Deno.test("contains drops what it passed over, so a long stream stays within max_buffer", async () => {
  await using server = startTestServer(async (conn) => {
    const chunk = new Uint8Array(4096).fill(0x61);
    for (let i = 0; i < 64; i++) await write(conn, chunk);
    await write(conn, "DONE");
    await conn.read(new Uint8Array(1));
  });
  const scenario = only(
    await runText(`
name: long stream
max_buffer: 16KiB
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: { contains: "DONE" }
`),
  );
  assertEquals(scenario.status, "passed");
});

Deno.test("a UDP datagram that differs fails at once", async () => {
  const result = await runText(`
name: udp wrong
server: echo
steps:
  - connect: { transport: udp }
  - send: "ping"
  - expect: "pong"
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "mismatch");
  assertEquals(failure.message, `Byte 1 differs: expected "o" (0x6f), got "i" (0x69)`);
});

Deno.test("an undefined environment variable fails the step that uses it", async () => {
  const result = await runText(`
name: env
server: echo
steps:
  - connect
  - send: "\${env.PARLEY_SURELY_UNSET_VARIABLE}"
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "error");
  assertEquals(
    failure.message,
    `Environment variable "PARLEY_SURELY_UNSET_VARIABLE" is not set and "\${env.PARLEY_SURELY_UNSET_VARIABLE}" has no default (write "\${env.PARLEY_SURELY_UNSET_VARIABLE:-value}")`,
  );
});

Deno.test("a connection reset by the peer is reported as reset", async () => {
  // Deno cannot send a TCP reset (no SO_LINGER), so a python3 peer does.
  await using peer = await startPythonPeer(`
import socket, struct
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
conn, _ = server.accept()
conn.sendall(b"partial")
conn.recv(1)
conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
conn.close()
`);
  const failure = failureOf(only(
    await runText(`
name: reset
timeout: 30s
steps:
  - connect: { to: "tcp://127.0.0.1:${peer.port}" }
  - send: "x"
  - expect: "partial and more"
`),
  ));
  assertEquals(failure.reason, "reset");
  assertStringIncludes(
    failure.message,
    `Connection "main" was reset before "partial and more" arrived: `,
  );
  assertEquals(decode(failure.received), "partial");
});

// A listener whose accept queue is full drops new SYNs, so connecting hangs:
// a real connect timeout on loopback.
const FULL_BACKLOG = `
import socket, time
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(0)
port = server.getsockname()[1]
fillers = []
for _ in range(4):
    filler = socket.socket()
    filler.setblocking(False)
    try:
        filler.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fillers.append(filler)
time.sleep(0.2)
print(port, flush=True)
time.sleep(60)
`;

Deno.test("connect times out when the peer never answers", async () => {
  await using peer = await startPythonPeer(FULL_BACKLOG);
  const result = await runText(`
name: connect timeout
scenarios:
  - name: times out
    steps:
      - connect: { to: "tcp://127.0.0.1:${peer.port}", timeout: 200ms }
  - name: a port check for a timeout
    steps:
      - connect: { to: "tcp://127.0.0.1:${peer.port}", timeout: 200ms, fails: timeout }
`);
  const failure = failureOf(result.scenarios[0]!);
  assertEquals(failure.reason, "timeout");
  assertEquals(
    failure.message,
    `Cannot connect to "127.0.0.1:${peer.port}": timed out after 200ms`,
  );
  assertEquals(result.scenarios[1]!.status, "passed");
});

Deno.test("a line that arrived without its newline says so", async () => {
  const result = await runText(`
name: no newline
server: echo
timeout: 200ms
steps:
  - connect
  - send: "hello"
  - expect: { line: "hello" }
`);
  const failure = failureOf(only(result));
  assertEquals([failure.step, failure.reason], [3, "timeout"]);
  assertEquals(
    failure.message,
    `Timed out after 200ms waiting for line "hello" on "main": the text arrived but no newline followed within 200ms`,
  );
  assertEquals(decode(failure.received), "hello");
});

Deno.test("a connection torn down as it is made counts as a reset, not a refusal", async () => {
  const { ConnectError } = await import("../runner/channels/channel.ts");
  const torn = [
    new Deno.errors.ConnectionReset("Connection reset by peer (os error 104)"),
    new Deno.errors.ConnectionAborted("Software caused connection abort (os error 103)"),
    new Deno.errors.NotConnected("Transport endpoint is not connected (os error 107)"),
  ];
  assertEquals(
    torn.map((cause) => new ConnectError("127.0.0.1:7", "other", { cause }).reset),
    [true, true, true],
  );
  assertEquals(
    [
      new ConnectError("127.0.0.1:7", "refused").reset,
      new ConnectError("127.0.0.1:7", "other", { cause: new Error("no route to host") }).reset,
    ],
    [false, false],
  );
});
