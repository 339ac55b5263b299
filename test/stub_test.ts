// Stub servers for real: rules with captures, states, counts and delays,
// over TCP, UDP and frames; a suite's server: { stub }; parley mock.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { fromFileUrl } from "@std/path/posix/from-file-url";
import { InvalidSuiteError } from "../mod.ts";
import { loadStub, parseStub, startStub } from "../runner/stub.ts";
import { Deadline } from "../runner/deadline.ts";
import { untilAborted } from "../runner/channels/channel.ts";
import { CLI, only, runText, testWithTools } from "./_helpers.ts";
import { makeCertificates } from "./_certs.ts";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends `text` to a TCP stub and reads until it closes (or 5 s pass). */
async function converse(port: number, text: string, until?: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(encoder.encode(text));
    let received = "";
    using deadline = new Deadline(5_000);
    const chunk = new Uint8Array(4096);
    while (until === undefined || !received.includes(until)) {
      const count = await untilAborted(conn.read(chunk), deadline.signal);
      if (count === undefined || count === null) break;
      received += decoder.decode(chunk.subarray(0, count));
    }
    return received;
  } finally {
    conn.close();
  }
}

Deno.test("a stub answers by its rules, with captures, and journals what it received", async () => {
  const stub = await loadStub(`${ROOT}examples/stubs/fake_smtp.yaml`);
  await using server = startStub(stub, { port: 0 });
  const reply = await converse(server.port, "HELO tester\r\nNOOP\r\nQUIT\r\n");
  assertEquals(reply, "220 fake ESMTP\r\n250 Hello tester\r\n500 unknown\r\n221 bye\r\n");
  assertEquals(
    server.journal.map((entry) =>
      `${entry.kind}${entry.bytes === undefined ? "" : ` ${decoder.decode(entry.bytes).trim()}`}${
        entry.rule === undefined ? "" : ` (rule ${entry.rule})`
      }`
    ),
    [
      "connected",
      "received HELO tester (rule 1)",
      "received NOOP (rule 3)",
      "received QUIT (rule 2)",
      "closed",
    ],
  );
});

Deno.test("rules follow states, answer a set number of times, and wait their delay", async () => {
  const stub = parseStub(`
name: login
listen: "tcp://127.0.0.1:0"
rules:
  - when: { line: LOGIN }
    times: 1
    next_state: in
    then: [{ send: "welcome\\n" }]
  - when: { line: DATA }
    state: in
    delay: 100ms
    then: [{ send: "ok\\n" }, { set: { count: "1" } }, { send: "count \${count}\\n" }]
  - when: { line: { regex: "" } }
    then: [{ send: "no\\n" }]
`);
  await using server = startStub(stub, { port: 0 });
  const started = performance.now();
  const reply = await converse(server.port, "DATA\nLOGIN\nLOGIN\nDATA\n", "count 1\n");
  assertEquals(reply, "no\nwelcome\nno\nok\ncount 1\n");
  assert(performance.now() - started >= 90);
});

Deno.test("a UDP stub answers each datagram's sender", async () => {
  const stub = parseStub(`
listen: "udp://127.0.0.1:0"
rules:
  - when: { regex: "^ping (?<n>\\\\d+)$" }
    then: [{ send: "pong \${n}" }]
`);
  await using server = startStub(stub, { port: 0 });
  const socket = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  try {
    await socket.send(encoder.encode("ping 7"), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: server.port,
    });
    using deadline = new Deadline(5_000);
    const reply = await untilAborted(socket.receive(), deadline.signal);
    assertEquals(decoder.decode(reply![0]), "pong 7");
  } finally {
    socket.close();
  }
});

Deno.test("a framed stub takes one frame per rule and frames its answers", async () => {
  const stub = parseStub(`
listen: "tcp://127.0.0.1:0"
framing: { prefix: u16be }
rules:
  - when: { fields: [{ u16be: id }, { skip: rest }] }
    then: [{ send: { fields: [{ u16be: "\${id}" }, { text: ok }] } }]
`);
  await using server = startStub(stub, { port: 0 });
  const reply = await converse(server.port, "\x00\x03\x12\x34!", "ok");
  assertEquals([...encoder.encode(reply)], [0, 4, 0x12, 0x34, 0x6f, 0x6b]);
});

Deno.test("a suite's server: { stub } runs its scenarios against the stub", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(`${ROOT}examples/stubs/echo.yaml`, `${dir}/echo_stub.yaml`);
    await Deno.writeTextFile(
      `${dir}/suite.yaml`,
      `name: against a stub
server: { stub: echo_stub.yaml }
steps:
  - connect
  - send: "hello stub\\n"
  - expect: { line: "hello stub" }
`,
    );
    const { loadSuite, runSuite } = await import("../mod.ts");
    const result = await runSuite(await loadSuite(`${dir}/suite.yaml`));
    assertEquals(only(result).status, "passed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stub's problems are reported at their lines, as a suite's are", () => {
  let issues: [number | undefined, string][] = [];
  try {
    parseStub(
      `name: bad
listn: "tcp://127.0.0.1:0"
rules:
  - when: { line: PING }
    then:
      - sned: PONG
  - when: { lien: x }
    then: [{ send: x }]
    often: 2
`,
      { file: "bad.yaml" },
    );
  } catch (error) {
    if (!(error instanceof InvalidSuiteError)) throw error;
    issues = error.issues.map((issue) => [issue.line, issue.message]);
  }
  assert(issues.some(([line, message]) =>
    line === 2 &&
    message ===
      `Unknown key "listn" in a stub: did you mean "listen"? (allowed: "name", "listen", "tls", "framing", "on_connect", "rules")`
  ));
  assert(issues.some(([, message]) => message.startsWith(`A stub needs "listen"`)));
  assert(
    issues.some(([line, message]) => line === 6 && message.startsWith(`Unknown action "sned"`)),
  );
  assert(issues.some(([line, message]) => line === 7 && message.includes(`"lien"`)));
  assert(
    issues.some(([line, message]) =>
      line === 9 && message.startsWith(`Unknown key "often" in a rule`)
    ),
  );
});

Deno.test("parley mock serves a stub until SIGTERM, printing what it receives", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "mock", `${ROOT}examples/stubs/fake_smtp.yaml`, "--port", "0"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value: first } = await lines.read();
  const port = Number(/127\.0\.0\.1:(\d+)\n$/.exec(first ?? "")?.[1]);
  assertEquals(first, `fake SMTP stub listening on tcp://127.0.0.1:${port}\n`);
  assertEquals(await converse(port, "QUIT\r\n"), "220 fake ESMTP\r\n221 bye\r\n");
  child.kill("SIGTERM");
  assertEquals((await child.status).code, 0);
  await lines.cancel();
  const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
  assertStringIncludes(stderr, `connection 1: received "QUIT\\r\\n" (rule 2)`);
});

Deno.test("the echo stub echoes lines, as the echo server does", async () => {
  const result = await runText(`
name: echo stub
server: { stub: ${ROOT}examples/stubs/echo.yaml }
steps:
  - connect
  - send: "one\\ntwo\\n"
  - expect: { lines: [one, two] }
`);
  assertEquals(only(result).status, "passed");
});

Deno.test("a scenario checks what its client sent the suite's stub, on the channel stub", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(`${ROOT}examples/stubs/fake_smtp.yaml`, `${dir}/smtp.yaml`);
    await Deno.writeTextFile(
      `${dir}/suite.yaml`,
      `name: a client of the fake SMTP server
server: { stub: smtp.yaml }
timeout: 500ms
scenarios:
  - name: the client said HELO and QUIT
    steps:
      - spawn:
          as: client
          run: [python3, -c, "import socket, sys\\ns = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\\ns.recv(100)\\ns.sendall(b'HELO parley\\\\r\\\\nQUIT\\\\r\\\\n')\\nwhile s.recv(100): pass", "\${port}"]
      - expect: { on: stub, received: { line: { regex: "^HELO (?<name>.+)$" } } }
      - expect: { on: stub, received: { line: QUIT } }
      - exit: { on: client, code: 0 }
      - set: { said: "\${name}" }
  - name: a message the client never sent times out
    steps:
      - expect: { on: stub, received: { line: EHLO } }
`,
    );
    const { loadSuite, runSuite } = await import("../mod.ts");
    const result = await runSuite(await loadSuite(`${dir}/suite.yaml`));
    assertEquals(result.scenarios[0]!.status, "passed");
    const failure = result.scenarios[1]!.steps.at(-1)!.failure!;
    assertEquals(failure.reason, "timeout");
    assertEquals(
      failure.message,
      `Timed out after 500ms waiting for a message to the stub: line "EHLO"`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the upper stub answers lines in capitals, with the upper filter", async () => {
  const result = await runText(`
name: upper stub
server: { stub: ${ROOT}examples/stubs/upper.yaml }
steps:
  - connect
  - set: { who: "Ada Lovelace" }
  - send: "hello \${who|lower}\\n"
  - expect: { line: "HELLO ADA LOVELACE" }
`);
  assertEquals(only(result).status, "passed");
  assertEquals(
    only(result).transcript.find((event) => event.kind === "send")?.bytes,
    encoder.encode("hello ada lovelace\n"),
  );
});

testWithTools(
  ["openssl"],
  "a TLS stub presents its certificate, and a suite reaches it over TLS",
  async () => {
    const certs = await makeCertificates();
    try {
      await Deno.writeTextFile(
        `${certs.dir}/stub.yaml`,
        `name: tls stub
listen: "tls://127.0.0.1:0"
tls: { cert: server.pem, key: server.key }
rules:
  - when: { line: PING }
    then: [{ send: "PONG\\n" }]
`,
      );
      await Deno.writeTextFile(
        `${certs.dir}/suite.yaml`,
        `name: over TLS
server: { stub: stub.yaml }
tls: { ca: ca.pem, servername: localhost }
steps:
  - connect
  - send: "PING\\n"
  - expect: { line: PONG }
`,
      );
      const { loadSuite, runSuite } = await import("../mod.ts");
      const result = await runSuite(await loadSuite(`${certs.dir}/suite.yaml`));
      assertEquals(only(result).status, "passed");
      assert(
        only(result).transcript.some((event) =>
          event.detail === `TLS handshake with "localhost" verified`
        ),
      );
    } finally {
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
);

Deno.test("a line no rule matches is passed over and journaled without a rule", async () => {
  const stub = parseStub(`
listen: "tcp://127.0.0.1:0"
rules:
  - when: { line: PING }
    then: [{ send: "PONG\\n" }]
`);
  await using server = startStub(stub, { port: 0 });
  assertEquals(await converse(server.port, "HELLO\nPING\n", "PONG\n"), "PONG\n");
  const received = server.journal.filter((entry) => entry.kind === "received");
  assertEquals(
    received.map((entry) => [decoder.decode(entry.bytes), entry.rule]),
    [["HELLO\n", undefined], ["PING\n", 1]],
  );
});

Deno.test("a stub serves a bounded number of connections and closes the rest at once", async () => {
  const stub = parseStub(`
listen: "tcp://127.0.0.1:0"
rules:
  - when: { line: PING }
    then: [{ send: "PONG\\n" }]
`);
  await using server = startStub(stub, { port: 0, maxConnections: 1 });
  const first = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    // The second client is turned away while the first is served.
    assertEquals(await converse(server.port, "PING\n"), "");
    await first.write(encoder.encode("PING\n"));
    const reply = new Uint8Array(5);
    let got = 0;
    while (got < 5) got += (await first.read(reply.subarray(got))) ?? 5;
    assertEquals(decoder.decode(reply), "PONG\n");
  } finally {
    first.close();
  }
});
