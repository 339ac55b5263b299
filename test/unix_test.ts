// Unix stream sockets for real: connecting to a reference server on one,
// playing the server on one for a client program, and `serve --unix`.

import { assertEquals, assertStringIncludes } from "@std/assert";
import { parseSuite, runSuite, startServer } from "../mod.ts";
import { CLI, failureOf, only } from "./_helpers.ts";

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "parley-unix-" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a suite talks to a server on a Unix socket, and reports show the path as given", () =>
  withDir(async (dir) => {
    await using _server = startServer("upper", { path: `${dir}/upper.sock` });
    const result = await runSuite(parseSuite(
      `
name: unix
target: "unix://${dir}/upper.sock"
scenarios:
  - name: answers
    steps:
      - connect
      - send: "hello\\n"
      - expect: { line: HELLO }
  - name: a wrong answer
    steps:
      - connect
      - send: "hello\\n"
      - expect: { line: hello }
`,
      { file: `${dir}/unix.yaml` },
    ));
    assertEquals(result.scenarios.map((scenario) => scenario.status), ["passed", "failed"]);
    const wrong = result.scenarios[1]!;
    assertEquals(failureOf(wrong).message, "Line differs at byte 0");
    assertEquals(wrong.transcript[0]?.detail, `unix://${dir}/upper.sock`);
  }));

Deno.test("connecting to a missing Unix socket is refused, and fails: refused passes", () =>
  withDir(async (dir) => {
    const result = await runSuite(parseSuite(
      `
name: missing
target: "unix://${dir}/nobody.sock"
scenarios:
  - name: refused
    steps: [connect]
  - name: expected to be refused
    steps: [{ connect: { fails: refused } }]
`,
      { file: `${dir}/missing.yaml` },
    ));
    const refused = failureOf(result.scenarios[0]!);
    assertEquals(refused.reason, "refused");
    assertEquals(refused.message, `Cannot connect to "${dir}/nobody.sock": connection refused`);
    assertEquals(result.scenarios[1]!.status, "passed");
  }));

Deno.test("listen on a Unix socket plays the server for a client program, and removes the socket", () =>
  withDir(async (dir) => {
    const result = await runSuite(parseSuite(
      `
name: unix client
steps:
  - listen: { as: srv, transport: unix, path: app.sock }
  - spawn:
      as: client
      run: [python3, -c, "import socket, sys\\ns = socket.socket(socket.AF_UNIX)\\ns.connect(sys.argv[1])\\ns.sendall(b'hi\\\\n')\\nprint(s.recv(100).decode().strip())", "\${srv.path}"]
  - accept: { on: srv, as: conn }
  - expect: { on: conn, line: hi }
  - send: { on: conn, text: "hello, client\\n" }
  - expect: { on: client, line: "hello, client" }
  - exit: { on: client, code: 0 }
`,
      { file: `${dir}/client.yaml` },
    ));
    assertEquals(only(result).status, "passed");
    assertEquals([...Deno.readDirSync(dir)], []);
  }));

Deno.test("a Unix listener needs a path, and takes no port or TLS", () => {
  let messages: string[] = [];
  try {
    parseSuite(
      `name: s
steps:
  - listen: { as: a, transport: unix }
  - listen: { as: b, transport: unix, path: b.sock, port: 9, tls: { cert: c, key: k } }
`,
      { file: "s.yaml" },
    );
  } catch (error) {
    messages = (error as { issues: { message: string }[] }).issues.map((issue) => issue.message);
  }
  assertEquals(messages, [
    `"listen" on a Unix socket needs "path": where the socket is made`,
    `"port" applies to TCP and UDP listeners`,
    `"tls" applies to TCP listeners`,
  ]);
});

Deno.test("serve --unix serves on a socket, and removes it when stopped", () =>
  withDir(async (dir) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "serve", "echo", "--unix", `${dir}/echo.sock`],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value: first } = await reader.read();
    assertEquals(first, `echo server listening on ${dir}/echo.sock (unix)\n`);
    const conn = await Deno.connect({ path: `${dir}/echo.sock`, transport: "unix" });
    await conn.write(new TextEncoder().encode("ping\n"));
    const reply = new Uint8Array(5);
    let got = 0;
    while (got < 5) got += (await conn.read(reply.subarray(got))) ?? 5;
    assertEquals(new TextDecoder().decode(reply), "ping\n");
    conn.close();
    child.kill("SIGTERM");
    const status = await child.status;
    await reader.cancel();
    const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    assertEquals(status.code, 0);
    assertStringIncludes(stderr, "echo server stopped");
    assertEquals([...Deno.readDirSync(dir)], []);
  }));
