// The server role, fault injection, repeat and include, for real.

import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { parseSuite, runSuite } from "../mod.ts";
import { failureOf, only, runText, startTestServer, write } from "./_helpers.ts";

Deno.test("listen and accept let Parley play the server for a client", async () => {
  const result = await runText(`
name: server role
steps:
  - listen: srv
  - spawn: { as: client, run: ["python3", "-c", "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1]))); s.sendall(b'hi'); print(s.recv(100).decode())", "\${srv.port}"] }
  - accept: { on: srv, as: conn }
  - expect: { on: conn, text: "hi" }
  - send: { on: conn, text: "HI" }
  - expect: { on: client, line: "HI" }
  - exit: { on: client, code: 0 }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("accept times out when no client comes", async () => {
  const failure = failureOf(only(
    await runText(`
name: lonely
steps:
  - listen: srv
  - accept: { on: srv, as: conn, timeout: 100ms }
`),
  ));
  assertEquals(failure.reason, "timeout");
  assertMatch(
    failure.message,
    /^Timed out after 100ms waiting for a client to connect to "srv" \(port \d+\)$/,
  );
});

Deno.test("a UDP listener takes datagrams from anyone and answers the last sender", async () => {
  const result = await runText(`
name: udp server role
steps:
  - listen: { as: srv, transport: udp }
  - spawn: { as: client, run: ["python3", "-c", "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'ping', ('127.0.0.1', int(sys.argv[1]))); print(s.recvfrom(100)[0].decode())", "\${srv.port}"] }
  - expect: { on: srv, text: "ping" }
  - send: { on: srv, text: "pong" }
  - expect: { on: client, line: "pong" }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("chunks split one message into separate writes", async () => {
  const reads: number[] = [];
  await using server = startTestServer(async (conn) => {
    const buffer = new Uint8Array(1024);
    let total = 0;
    while (total < 12) {
      const n = await conn.read(buffer);
      if (n === null) return;
      reads.push(n);
      total += n;
    }
    await write(conn, "ok\n");
  });
  const result = await runText(`
name: chunks
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - send: { text: "hello world\\n", chunks: 4, delay: 30ms }
  - expect: { line: "ok" }
`);
  assertEquals(only(result).status, "passed");
  assertEquals(reads, [3, 3, 3, 3]);
  const sends = only(result).transcript.filter((event) => event.kind === "send").map((event) =>
    event.size
  );
  assertEquals(sends, [3, 3, 3, 3]);
});

Deno.test("chunk_size writes fixed-size pieces", async () => {
  const result = await runText(`
name: chunk size
server: echo
steps:
  - connect
  - send: { text: "abcdefg", chunk_size: 3, delay: 1ms }
  - expect: "abcdefg"
`);
  const sends = only(result).transcript.filter((event) => event.kind === "send").map((event) =>
    event.size
  );
  assertEquals(sends, [3, 3, 1]);
});

Deno.test("a half close lets the peer read end-of-file while we keep reading", async () => {
  await using server = startTestServer(async (conn) => {
    const buffer = new Uint8Array(1024);
    let total = 0;
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      total += n;
    }
    await write(conn, `got ${total} bytes\n`);
  });
  const result = await runText(`
name: half close
steps:
  - connect: { to: "tcp://127.0.0.1:${server.port}" }
  - send: "twelve bytes"
  - close: { how: half }
  - expect: { line: "got 12 bytes" }
  - expect: { closed: true }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("repeat runs iterations concurrently with their own connections and reports latency", async () => {
  const result = await runText(`
name: repeat
server: echo
steps:
  - repeat:
      times: 20
      concurrency: 5
      steps:
        - connect: conn
        - send: { on: conn, text: "hello \${i}\\n" }
        - expect: { on: conn, line: "hello \${i}" }
`);
  const scenario = only(result);
  assertEquals(scenario.status, "passed");
  assertMatch(
    scenario.steps[0]!.note ?? "",
    /^20\/20 iterations passed; latency p50 \d+ms, p95 \d+ms, max \d+ms$/,
  );
  const names = new Set(
    scenario.transcript.filter((event) => event.kind === "connect").map((event) => event.channel),
  );
  assertEquals(names.size, 20);
  assertEquals(names.has("conn#19"), true);
});

Deno.test("a failing iteration fails the repeat and says which", async () => {
  const failure = failureOf(only(
    await runText(`
name: repeat failure
server: echo
steps:
  - repeat:
      times: 5
      concurrency: 2
      steps:
        - connect: conn
        - send: { on: conn, text: "\${i}\\n" }
        - expect: { on: conn, line: { regex: "^[0-24]$" } }
`),
  ));
  assertEquals(
    failure.message,
    "4/5 iterations passed; latency p50 " +
      failure.message.split("latency p50 ")[1]!.split(". Iteration")[0] +
      ". Iteration 3 failed: Line does not match /^[0-24]$/",
  );
  assertEquals(failure.trail?.[0]?.iteration, 3);
  assertEquals(failure.trail?.[0]?.step.action, "expect");
});

Deno.test("max_p95 fails a repeat that is too slow", async () => {
  const failure = failureOf(only(
    await runText(`
name: slow
server: echo
steps:
  - repeat:
      times: 3
      max_p95: 0ms
      steps: [{ connect: c }, { send: { on: c, text: "x" } }, { expect: { on: c, text: "x" } }]
`),
  ));
  assertMatch(failure.message, /^3\/3 iterations passed; .*; p95 \d+ms is over the limit of 0ms$/);
});

Deno.test("a failure inside an include names both files and the step", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/login.yaml`,
      `steps:\n  - connect: \${user}\n  - send: { on: "\${user}", text: "hi\\n" }\n  - expect: { on: "\${user}", line: "bye" }\n`,
    );
    await Deno.writeTextFile(
      `${dir}/suite.yaml`,
      `name: s\nserver: echo\nsteps:\n  - include: { file: login.yaml, vars: { user: alice } }\n`,
    );
    const { loadSuite } = await import("../mod.ts");
    const { formatFailure } = await import("../reporters.ts");
    const result = await runSuite(await loadSuite(`${dir}/suite.yaml`));
    const failure = failureOf(only(result));
    assertEquals(failure.trail?.[0]?.step.file, `${dir}/login.yaml`);
    assertEquals(failure.trail?.[0]?.step.number, 3);
    const report = formatFailure(`${dir}/suite.yaml`, only(result)).join("\n");
    assertStringIncludes(
      report,
      `at ${dir}/suite.yaml:4, step 1 of 1:\n  include: { file: login.yaml, vars: { user: alice } }\nin ${dir}/login.yaml:4, step 3:\n  expect: { on: "\${user}", line: "bye" }\nLine differs at byte 0`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("points and hidden scenarios give a score", async () => {
  const suite = parseSuite(`
name: graded
server: echo
scenarios:
  - name: easy
    points: 3
    steps: [connect, { send: "a" }, { expect: "a" }]
  - name: hard
    points: 2
    hidden: true
    steps: [connect, { send: "a" }, { expect: "b" }]
`);
  const { gradescopeResults } = await import("../reporters.ts");
  const result = await runSuite(suite);
  const results = gradescopeResults({
    suites: [result],
    invalid: [],
    passed: 1,
    failed: 1,
    skipped: 0,
    errors: 0,
    duration: 1,
  });
  assertEquals(results.score, 3);
  assertEquals(results.max_score, 5);
  assertEquals(
    results.tests.map((test) => [test.name, test.score, test.max_score, test.visibility]),
    [
      ["graded › easy", 3, 3, "visible"],
      ["graded › hard", 0, 2, "after_published"],
    ],
  );
  assertStringIncludes(
    results.tests[1]!.output,
    `Byte 0 differs: expected "b" (0x62), got "a" (0x61)`,
  );
  assertEquals(results.tests[1]!.output.includes("at <text>"), false);
});
