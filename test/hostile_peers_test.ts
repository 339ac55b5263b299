// Peers that drip, reset, flood and set traps, for real: the verdict must
// not depend on how the bytes were split, a reset is never a clean close,
// and no peer can make a run hang or grow without bound.

import { assert, assertEquals, assertLess, assertMatch, assertStringIncludes } from "@std/assert";
import {
  CLI,
  failureOf,
  only,
  runText,
  startPythonPeer,
  startTestServer,
  type TestServer,
  write,
} from "./_helpers.ts";

const encoder = new TextEncoder();

/** A server that sends `text` to each client at once, or one byte at a time, then waits. */
function sender(text: string, drip: boolean): TestServer {
  return startTestServer(async (conn) => {
    const bytes = encoder.encode(text);
    if (drip) {
      for (const byte of bytes) {
        await write(conn, new Uint8Array([byte]));
        // Each byte in its own segment: wait until the client may have read it.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } else {
      await write(conn, bytes);
    }
    await conn.read(new Uint8Array(1));
  });
}

async function verdict(text: string, drip: boolean, expectation: string): Promise<string> {
  await using server = sender(text, drip);
  const result = await runText(`
name: verdict
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: { ${expectation}, timeout: 500ms }
`);
  const scenario = only(result);
  return scenario.status === "passed" ? "passed" : `failed: ${failureOf(scenario).reason}`;
}

const CASES: [string, string, string][] = [
  ["hello world\n", `regex: "^h$"`, "failed: timeout"],
  ["hello world\n", `regex: "^hello"`, "passed"],
  ["hello world\n", `regex: "world$"`, "failed: timeout"],
  ["id=42;\n", `regex: "id=(?<id>\\\\d+)"`, "passed"],
  ["id=42", `regex: "id=\\\\d+"`, "failed: timeout"],
  ["abc", `regex: "a.*"`, "failed: timeout"],
  ["hello world\n", `line: { regex: "^hello world$" }`, "passed"],
  ["hello world\n", `contains: "lo wo"`, "passed"],
];

for (const [text, expectation, expected] of CASES) {
  Deno.test(`the same bytes give the same verdict at once and dripped: ${expectation} against ${JSON.stringify(text)}`, async () => {
    assertEquals(await verdict(text, false, expectation), expected);
    assertEquals(await verdict(text, true, expectation), expected);
  });
}

Deno.test("a regex takes the same bytes at once and dripped, so the next step sees the same rest", async () => {
  for (const drip of [false, true]) {
    await using server = sender("abc\n", drip);
    const result = await runText(`
name: rest
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: { regex: "(?<taken>ab|a)", timeout: 2s }
  - expect: { line: "c", timeout: 2s }
  - send: "\${taken}"
`);
    assertEquals(only(result).status, "passed", `drip: ${drip}`);
  }
});

/** A python3 peer that sends `data`, then resets the connection (SO_LINGER 0). */
function resettingPeer(data: string): string {
  return `
import socket, struct
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
while True:
    conn, _ = server.accept()
    conn.sendall(${JSON.stringify(data)}.encode())
    conn.recv(1)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
`;
}

Deno.test("closed: true fails on a reset and says so", async () => {
  await using peer = await startPythonPeer(resettingPeer(""));
  const failure = failureOf(only(
    await runText(`
name: reset
steps:
  - connect: { to: "tcp://127.0.0.1:${peer.port}" }
  - send: "x"
  - expect: { closed: true, timeout: 5s }
`),
  ));
  assertEquals(failure.reason, "reset");
  assertStringIncludes(
    failure.message,
    `Expected "main" to be closed by the peer, but the peer reset it: `,
  );
});

Deno.test("closed: reset passes on a reset and fails on an orderly close", async () => {
  await using peer = await startPythonPeer(resettingPeer(""));
  const reset = await runText(`
name: reset
steps:
  - connect: { to: "tcp://127.0.0.1:${peer.port}" }
  - send: "x"
  - expect: { closed: reset, timeout: 5s }
`);
  assertEquals(only(reset).status, "passed");
  await using polite = startTestServer(async (conn) => {
    await conn.read(new Uint8Array(1));
    conn.close();
  });
  const closed = failureOf(only(
    await runText(`
name: closed
steps:
  - connect: { to: "tcp://127.0.0.1:${polite.port}" }
  - send: "x"
  - expect: { closed: reset, timeout: 5s }
`),
  ));
  assertEquals(closed.reason, "closed");
  assertEquals(
    closed.message,
    `Expected "main" to be reset by the peer, but the peer closed it normally`,
  );
});

Deno.test("a line cut short by a reset reports reset, not mismatch", async () => {
  await using peer = await startPythonPeer(resettingPeer("partial li"));
  const failure = failureOf(only(
    await runText(`
name: cut
steps:
  - connect: { to: "tcp://127.0.0.1:${peer.port}" }
  - send: "x"
  - expect: { line: "partial line", timeout: 5s }
`),
  ));
  assertEquals(failure.reason, "reset");
  assertStringIncludes(
    failure.message,
    `Connection "main" was reset before line "partial line" arrived: `,
  );
});

/** A peer that sends a backtracking trap to each client, then tells `notify` (a port), if given. */
function trap(notify = 0): string {
  return `
import socket
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
print(server.getsockname()[1], flush=True)
while True:
    conn, _ = server.accept()
    conn.sendall(b"a" * 40000 + b"b\\n")
    if ${notify}:
        socket.create_connection(("127.0.0.1", ${notify})).close()
`;
}

Deno.test("a backtracking regex stops at the step's deadline with a clear message", async () => {
  await using peer = await startPythonPeer(trap());
  for (const expectation of [`regex: "^(a+)+$"`, `line: { regex: "^(a+)+$" }`]) {
    const started = performance.now();
    const failure = failureOf(only(
      await runText(`
name: trap
steps:
  - connect: { to: "tcp://127.0.0.1:${peer.port}" }
  - expect: { ${expectation}, timeout: 1s }
`),
    ));
    assertEquals(failure.reason, "timeout");
    assertMatch(
      failure.message,
      /^Regex \/\^\(a\+\)\+\$\/ did not finish in 1s searching \d+ characters of "main"; it backtracks: simplify the pattern \(avoid nested quantifiers like \(a\+\)\+\)$/,
    );
    // Reported at the deadline, not after the search: it would take minutes.
    assertLess(performance.now() - started, 30_000);
  }
});

Deno.test("Ctrl-C ends a run stuck in a backtracking regex", async () => {
  let sent!: () => void;
  const trapped = new Promise<void>((resolve) => (sent = resolve));
  await using notices = startTestServer(() => Promise.resolve(sent()));
  await using peer = await startPythonPeer(trap(notices.port));
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/trap.yaml`,
      `name: trap
steps:
  - connect: { to: "tcp://127.0.0.1:${peer.port}" }
  - expect: { regex: "^(a+)+$", timeout: 10m }
`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "run", `${dir}/trap.yaml`, "--reporter", `json=${dir}/r.json`],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await trapped;
    child.kill("SIGINT");
    assertEquals((await child.status).code, 130);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assertEquals(
      report.suites[0]!.scenarios[0]!.steps.at(-1).failure.message,
      "Interrupted by SIGINT",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A UDP peer that answers the first datagram with `count` datagrams from `make(i)`. */
function udpBurst(
  count: number,
  make: (index: number) => Uint8Array,
): { port: number; close(): Promise<void> } {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    const [, from] = await socket.receive();
    for (let i = 0; i < count; i++) await socket.send(make(i), from);
  })();
  return {
    port: (socket.addr as Deno.NetAddr).port,
    async close(): Promise<void> {
      await done;
      socket.close();
    },
  };
}

Deno.test("a UDP flood of tiny datagrams is bounded: drops are counted in the transcript", async () => {
  const one = new Uint8Array([0x78]);
  const peer = udpBurst(20_000, () => one);
  const result = await runText(`
name: flood
max_buffer: 16KiB
steps:
  - connect: { to: "udp://127.0.0.1:${peer.port}" }
  - send: "go"
  - sleep: 500ms
  - expect: "not x"
`);
  await peer.close();
  assertEquals(failureOf(only(result)).reason, "mismatch");
  const transcript = only(result).transcript;
  // 16 KiB holds 127 one-byte datagrams at 129 bytes each (payload and
  // overhead), and one more once the expect took one.
  const received = transcript.filter((event) => event.kind === "receive").length;
  assert(received === 127 || received === 128, `${received} datagrams kept`);
  // Drops are noted when a datagram is kept again, and at the close.
  const drops = transcript.filter((event) => event.kind === "note");
  assert(drops.length >= 1 && drops.length <= 2, `${drops.length} notes`);
  for (const drop of drops) {
    assertMatch(
      drop.detail ?? "",
      /^\d+ datagrams? dropped: \d+ bytes of unread datagrams were held \(max_buffer 16384\)$/,
    );
  }
});

Deno.test("transcripts keep at most 200 events per channel and say how many more", async () => {
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const result = await runText(`
name: chatty
steps:
  - connect: { to: "udp://127.0.0.1:${(silent.addr as Deno.NetAddr).port}" }
  - repeat: { times: 300, steps: [{ send: "x" }] }
`);
    const scenario = only(result);
    assertEquals(scenario.droppedEvents, 101);
    const main = scenario.transcript.filter((event) => event.channel === "main");
    assertEquals(main.map((event) => event.kind).filter((kind) => kind === "send").length, 199);
    assertEquals(main.at(-2)?.kind, "close");
    assertEquals(
      main.at(-1)?.detail,
      "101 more events not recorded (the transcript keeps 200 per channel and 1000 in all)",
    );
  } finally {
    silent.close();
  }
});

Deno.test("failure reports keep about 1 KiB around the first difference, with the full sizes", async () => {
  const big = "x".repeat(200_000) + "Y" + "x".repeat(100_000);
  await using server = startTestServer(async (conn) => {
    await write(conn, big);
    await conn.read(new Uint8Array(1));
  });
  const expected = "x".repeat(200_000) + "Z";
  const result = await runText(`
name: big
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - expect: "${expected}"
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "mismatch");
  assertEquals(failure.offset, 200_000);
  assertEquals([failure.received?.length, failure.receivedStart], [1024, 200_000 - 256]);
  assert((failure.receivedSize ?? 0) > 200_000);
  assertEquals([failure.expectedBytes?.length, failure.expectedStart], [1024, 200_001 - 1024]);
  assertEquals(failure.expectedSize, 200_001);
  assertEquals(failure.expected?.length, 1024 + "… (200003 characters)".length);
  const source = only(result).steps.at(-1)!.step.source;
  assert(source.endsWith("… (200011 characters)"), source.slice(-40));
});
