// Grading a class for real: a folder of submissions, each a student's
// program, graded by `parley grade` in a child process.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import {
  type ChildRun,
  CLI,
  runParley,
  runSandboxed,
  startTestServer,
  testWithTools,
} from "./_helpers.ts";

const ECHO_SERVER = `import socket, sys, threading
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
def serve(conn):
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
`;

/** A server that accepts and then says nothing, for ever. */
const SILENT_SERVER = `import socket, sys, time
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
conn, _ = server.accept()
time.sleep(600)
`;

const SUITE = `name: echo
spawn: ["\${submission}/start", "\${port}"]
timeout: 5s
scenarios:
  - name: echoes a line
    points: 2
    steps: [connect, { send: "hi\\n" }, { expect: { line: "hi" } }]
  - name: echoes, "twice"
    steps: [connect, { send: "a\\nb\\n" }, { expect: { lines: [a, b] } }]
`;

async function student(
  dir: string,
  name: string,
  server: string | undefined,
  mode = 0o755,
): Promise<void> {
  await Deno.mkdir(`${dir}/subs/${name}`, { recursive: true });
  if (server === undefined) return;
  await Deno.writeTextFile(`${dir}/subs/${name}/server.py`, server);
  await Deno.writeTextFile(
    `${dir}/subs/${name}/start`,
    `#!/bin/sh\nexec python3 "$(dirname "$0")/server.py" "$@"\n`,
  );
  await Deno.chmod(`${dir}/subs/${name}/start`, mode);
}

/** Processes still running whose command line names `dir`. */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const command = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      if (command.includes(dir) && !command.includes("grade_test")) found.push(command);
    } catch {
      // Gone already.
    }
  }
  return found;
}

Deno.test("grade writes a gradebook for a class: good, partial, empty, crashing, unrunnable, slow and greedy students", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/suite.yaml`, SUITE);
    await student(dir, "ada", ECHO_SERVER);
    // Handed in nothing: with the student's own start script as the command, that command is
    // missing, a set-up error (run code through its interpreter to make it a failure instead).
    await student(dir, "bob", undefined);
    await student(dir, "cyd", "import sys; sys.exit(1)\n"); // crashes at start
    await student(dir, "dan", ECHO_SERVER, 0o644); // start not executable: the grader's set-up
    await student(dir, "eve", SILENT_SERVER); // hangs: runs out of its time
    await student(dir, "fay", `x = bytearray(512 * 1024 * 1024)\n${ECHO_SERVER}`); // greedy
    // One recv of 3 bytes per client: "hi\n" is echoed whole, "a\nb\n" is cut short.
    await student(
      dir,
      "gus",
      ECHO_SERVER.replace("while data := conn.recv(4096):", "if data := conn.recv(3):"),
    );
    const output = await runParley([
      "grade",
      `${dir}/suite.yaml`,
      `${dir}/subs`,
      "--out",
      `${dir}/out`,
      "--max-time",
      "2s",
      "--jobs",
      "2",
    ]);
    const stdout = output.stdout;
    assertEquals(output.code, 2, output.stderr);
    assertEquals(
      await Deno.readTextFile(`${dir}/out/grades.csv`),
      [
        `student,score,max_score,status,echoes a line,"echoes, ""twice"""`,
        "ada,3,3,graded,2,1",
        "bob,0,3,error,0,0",
        "cyd,0,3,graded,0,0",
        "dan,0,3,error,0,0",
        "eve,0,3,timeout,0,0",
        "fay,0,3,graded,0,0",
        "gus,2,3,graded,2,0",
        "",
      ].join("\n"),
    );
    for (const file of ["results.json", "report.html", "feedback.txt"]) {
      assert((await Deno.stat(`${dir}/out/ada/${file}`)).isFile);
    }
    const feedback = await Deno.readTextFile(`${dir}/out/cyd/feedback.txt`);
    assertStringIncludes(feedback, "exited with code 1 before it was ready");
    assertEquals(feedback.includes("\x1b["), false);
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/out/dan/results.json`)).tests, []);
    assertStringIncludes(stdout, "7 students (2 errors, 1 timeout)");
    assertStringIncludes(stdout, "  echoes a line: 2/7 passed\n");
    // Students' programs run under default limits when the suite sets none.
    assertStringIncludes(
      await Deno.readTextFile(`${dir}/out/fay/feedback.txt`),
      "exited with code 1: it exceeded its memory limit of 256 MiB",
    );
    assertEquals(processesUnder(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A student who answers with the suite's own text, read from where the grader keeps it. */
const PEEKING_SERVER = `import os, socket, sys
try:
    leaked = open(os.path.join(os.path.dirname(os.getcwd()), "..", "suite.yaml")).read().split()[0]
except OSError as error:
    leaked = "unreadable"
${ECHO_SERVER.replace("conn.sendall(data)", 'conn.sendall(leaked.encode() + b"\\n")')}`;

testWithTools(
  ["bwrap", "python3"],
  "grade in a sandbox: a student who reads the suite file gets nothing from it, and nothing is left running",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/suite.yaml`,
        `name: echo
spawn: { run: ["\${submission}/start", "\${port}"], sandbox: true }
timeout: 5s
scenarios:
  - name: echoes a line
    steps: [connect, { send: "hi\\n" }, { expect: { line: "hi" } }]
  - name: knows the secret
    hidden: true
    steps: [connect, { send: "?\\n" }, { expect: { line: "name:" } }]
`,
      );
      await student(dir, "ada", ECHO_SERVER);
      await student(dir, "mal", PEEKING_SERVER);
      const output = await runSandboxed([
        "grade",
        `${dir}/suite.yaml`,
        `${dir}/subs`,
        "--out",
        `${dir}/out`,
      ]);
      assertEquals(output.code, 0, output.stderr);
      assertEquals(
        await Deno.readTextFile(`${dir}/out/grades.csv`),
        [
          "student,score,max_score,status,echoes a line,knows the secret",
          "ada,1,2,graded,1,0",
          "mal,0,2,graded,0,0",
          "",
        ].join("\n"),
      );
      assertStringIncludes(
        await Deno.readTextFile(`${dir}/out/mal/feedback.txt`),
        `received: "unreadable\\n"`,
      );
      assertEquals(processesUnder(dir), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("grade refuses a missing submissions folder and an invalid suite", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/suite.yaml`, SUITE);
    const run = (...args: string[]): Promise<ChildRun> => runParley(["grade", ...args]);
    const missing = await run(`${dir}/suite.yaml`, `${dir}/nope`);
    assertEquals(missing.code, 2);
    assertStringIncludes(
      missing.stderr,
      `error: Cannot find the submissions folder "${dir}/nope": no such file or directory`,
    );
    await Deno.writeTextFile(`${dir}/bad.yaml`, "name: x\nsteps: [sned]\n");
    await Deno.mkdir(`${dir}/subs`);
    const invalid = await run(`${dir}/bad.yaml`, `${dir}/subs`);
    assertEquals(invalid.code, 2);
    assertStringIncludes(invalid.stderr, `Unknown action "sned"`);
    const usage = await run(`${dir}/suite.yaml`);
    assertEquals(usage.code, 2);
    assertStringIncludes(
      usage.stderr,
      `error: "grade" takes a suite and a folder of submissions`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGTERM stops grade, exits 143 and leaves no student's program running", async () => {
  const dir = await Deno.makeTempDir();
  let reached!: () => void;
  const running = new Promise<void>((resolve) => (reached = resolve));
  await using peer = startTestServer(async (conn) => {
    reached();
    await conn.read(new Uint8Array(1));
  });
  try {
    await Deno.writeTextFile(`${dir}/suite.yaml`, SUITE);
    // A server that tells the test it runs (by connecting to it), then hangs.
    await student(
      dir,
      "slow",
      `import socket\nsocket.create_connection(("127.0.0.1", ${peer.port}))\n${SILENT_SERVER}`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "grade", `${dir}/suite.yaml`, `${dir}/subs`, "--out", `${dir}/out`],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await running;
    child.kill("SIGTERM");
    const { code } = await child.output();
    assertEquals(code, 143);
    assertEquals(processesUnder(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
