// Programs under test and spawned processes, for real: python3 and sh.

import { assert, assertEquals, assertMatch, assertStringIncludes, assertThrows } from "@std/assert";
import { failureOf, only, runText } from "./_helpers.ts";
import { formatIssue, InvalidSuiteError, parseSuite } from "../mod.ts";

/** A python3 TCP server on argv[1] that answers each line with `reply(line)` (a Python expression). */
function pythonServer(reply: string, prelude = ""): string {
  return JSON.stringify([
    "python3",
    "-c",
    `
import socket, sys, threading
${prelude}
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
def serve(conn):
    with conn:
        for line in conn.makefile("rb"):
            line = line.decode().rstrip("\\n")
            conn.sendall((${reply} + "\\n").encode())
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
`,
    "${port}",
  ]);
}

Deno.test("a program under test is started on a free port and waited for without a probe", async () => {
  // A server that counts its clients: a readiness probe would show as client 1.
  const result = await runText(`
name: counter
spawn:
  run: ${pythonServer(`str(next(counter))`, "import itertools\ncounter = itertools.count(1)")}
steps:
  - connect
  - send: "which?\\n"
  - expect: { line: "1" }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("per: scenario gives every scenario a fresh program", async () => {
  const result = await runText(`
name: counter
spawn:
  run: ${pythonServer(`str(next(counter))`, "import itertools\ncounter = itertools.count(1)")}
  per: scenario
scenarios:
  - name: first
    steps: [connect, { send: "a\\n" }, { expect: { line: "1" } }]
  - name: second
    steps: [connect, { send: "b\\n" }, { expect: { line: "1" } }]
`);
  assertEquals(result.scenarios.map((scenario) => scenario.status), ["passed", "passed"]);
});

Deno.test("ready: stdout waits for a line of the program's output", async () => {
  const result = await runText(`
name: stdout ready
spawn:
  run: ["python3", "-c", "import socket,sys,time; time.sleep(0.2); s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); print('listening on', sys.argv[1]); c,_=s.accept(); c.sendall(b'hi\\\\n'); time.sleep(5)", "\${port}"]
  ready: { stdout: "^listening on \\\\d+$" }
steps:
  - connect
  - expect: { line: "hi" }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result)));
});

Deno.test("a program that never listens fails every scenario with one clear reason", async () => {
  const result = await runText(`
name: never ready
spawn:
  run: "sleep 30"
  timeout: 300ms
scenarios:
  - name: a
    steps: [connect]
  - name: b
    steps: [connect]
`);
  for (const scenario of result.scenarios) {
    assertEquals(scenario.status, "failed");
    assertMatch(
      scenario.note ?? "",
      /^The program under test was not ready within 300ms: it did not listen on TCP port \d+$/,
    );
  }
});

Deno.test("a program that exits before it is ready is reported with its stderr", async () => {
  const result = await runText(`
name: crashes
spawn:
  run: ["python3", "-c", "import sys; sys.exit('Address already in use, says the student')"]
steps: [connect]
`);
  const scenario = only(result);
  assertMatch(
    scenario.note ?? "",
    /^The program under test exited with code 1 before it was ready/,
  );
  assertEquals(scenario.processes.length, 1);
  assertEquals(scenario.processes[0]!.status, "exited with code 1");
  assertStringIncludes(scenario.processes[0]!.stderr, "Address already in use, says the student");
});

Deno.test("a program that crashes fails the step running at that moment, with its code and stderr", async () => {
  const result = await runText(`
name: crash mid-step
spawn:
  run: ${
    pythonServer(`(_ for _ in ()).throw(SystemExit("boom: " + line)) if line == "crash" else line`)
      .replace(
        "threading.Thread(target=serve, args=(conn,), daemon=True).start()",
        "serve(conn)",
      )
  }
timeout: 10s
steps:
  - connect
  - send: "crash\\n"
  - expect: { line: "never" }
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "exited");
  assertEquals(failure.step, 3);
  // When it exited, and what the step was waiting for (or saw), not a timeout it never reached.
  assertMatch(
    failure.message,
    /^The program under test exited with code 1 \d+ms into this step \((it was waiting for line "never"|Connection "main" was closed by the peer before line "never" arrived)\)$/,
  );
  assertStringIncludes(only(result).processes[0]!.stderr, "boom: crash");
});

Deno.test("a fixed port that is taken is a set-up error, reported before the program starts", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const result = await runText(`
name: taken
spawn: { run: "sleep 30", port: ${taken.addr.port} }
steps: [connect]
`);
  assertEquals(only(result).status, "error");
  assertEquals(
    only(result).note,
    `Port ${taken.addr.port} is already in use before the program under test started; stop whatever holds it or leave "port" out to get a free one`,
  );
});

Deno.test("a UDP program is ready once it has bound its port", async () => {
  const result = await runText(`
name: udp program
spawn:
  run: ["python3", "-c", "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', int(sys.argv[1])))\\nwhile True:\\n  d,a=s.recvfrom(2048); s.sendto(d.upper(), a)", "\${port}"]
  transport: udp
steps:
  - connect
  - send: "ping"
  - expect: "PING"
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("a spawned process is a channel: stdin, stdout, stderr and its exit code", async () => {
  const result = await runText(`
name: process channel
steps:
  - spawn: { as: shell, run: ["sh", "-c", "read name; echo hello $name; echo oops >&2; exit 3"] }
  - send: { on: shell, text: "world\\n" }
  - expect: { on: shell, line: "hello world" }
  - expect: { on: shell, stream: stderr, line: "oops" }
  - exit: { on: shell, code: 3 }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("closing a process's stdin lets it finish", async () => {
  const result = await runText(`
name: stdin eof
steps:
  - spawn: { as: counter, run: "wc -l" }
  - send: { on: counter, text: "a\\nb\\nc\\n" }
  - close: counter
  - expect: { on: counter, regex: "3" }
  - exit: { on: counter, code: 0 }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("exit reports the wrong code and a process that is still running", async () => {
  const result = await runText(`
name: exits
timeout: 200ms
scenarios:
  - name: wrong code
    steps:
      - spawn: { as: p, run: "sh -c 'exit 2'" }
      - exit: { on: p, code: 0 }
  - name: still running
    steps:
      - spawn: { as: p, run: "sleep 30" }
      - exit: { on: p }
`);
  assertEquals(
    failureOf(result.scenarios[0]!).message,
    `Expected "p" to exit with code 0, but it exited with code 2`,
  );
  assertEquals(
    failureOf(result.scenarios[1]!).message,
    `Timed out after 200ms waiting for "p" to exit; it is still running`,
  );
  assertEquals(result.scenarios[1]!.processes[0]!.status, "stopped by Parley (SIGTERM)");
});

Deno.test("a process that closes its stdout early says how it exited", async () => {
  const result = await runText(`
name: early exit
steps:
  - spawn: { as: p, run: ["sh", "-c", "echo partial; exit 4"] }
  - expect: { on: p, line: "complete" }
`);
  assertEquals(failureOf(only(result)).message, `Line differs at byte 0`);
  const second = await runText(`
name: early exit
steps:
  - spawn: { as: p, run: ["sh", "-c", "printf part; exit 4"] }
  - expect: { on: p, text: "partial" }
`);
  assertEquals(
    failureOf(only(second)).message,
    `"p" closed its stdout before "partial" arrived (it exited with code 4)`,
  );
});

Deno.test("a command that does not exist is a set-up error, not a failure", async () => {
  const result = await runText(`
name: missing
steps:
  - spawn: { as: p, run: "parley-no-such-command --flag" }
`);
  assertEquals(only(result).status, "error");
  const failure = failureOf(only(result));
  assertEquals([failure.reason, failure.message], [
    "setup",
    `Cannot run "parley-no-such-command": command not found`,
  ]);
});

Deno.test("a student's missing file is a failure, not a set-up error", async () => {
  const result = await runText(`
name: missing file
spawn: ["python3", "no_such_server.py", "\${port}"]
steps: [connect]
`);
  const scenario = only(result);
  assertEquals(scenario.status, "failed");
  assertStringIncludes(
    scenario.note ?? "",
    "The program under test exited with code 2 before it was ready",
  );
});

Deno.test("a program under test that cannot be run is a set-up error for every scenario", async () => {
  const result = await runText(`
name: no interpreter
spawn: ["parley-no-such-interpreter", "server.py", "\${port}"]
scenarios:
  - name: one
    steps: [connect]
  - name: two
    steps: [connect]
`);
  assertEquals(result.scenarios.map((scenario) => scenario.status), ["error", "error"]);
  assertEquals(
    result.scenarios[0]!.note,
    `Cannot run "parley-no-such-interpreter": command not found`,
  );
});

Deno.test("after the program under test crashed, later scenarios say it is not running", async () => {
  const result = await runText(`
name: crash then more
spawn:
  run: ${
    JSON.stringify([
      "python3",
      "-c",
      "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); c,_=s.accept(); c.recv(10); sys.exit(5)",
      "${port}",
    ])
  }
timeout: 5s
scenarios:
  - name: crashes it
    steps: [connect, { send: "x" }, { expect: "never" }]
  - name: comes after
    steps: [connect]
`);
  assertMatch(
    failureOf(result.scenarios[0]!).message,
    /^The program under test exited with code 5 \d+ms into this step \((it was waiting for "never"|Connection "main" was closed by the peer before "never" arrived)\)$/,
  );
  assertEquals(
    failureOf(result.scenarios[1]!).message,
    "The program under test is not running: it exited with code 5 before this step",
  );
});

/** A python3 TCP server on argv[1] that logs each client to stdout and exits after `clients`. */
function loggingServer(clients: number, exitCode = 0): string {
  return JSON.stringify([
    "python3",
    "-c",
    `
import socket, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
print("listening on", sys.argv[1], flush=True)
for n in range(${clients}):
    conn, _ = server.accept()
    with conn:
        line = conn.makefile("rb").readline().decode().strip()
        print("client", n + 1, "said", line, flush=True)
        print("served", n + 1, file=sys.stderr, flush=True)
        conn.sendall(b"ok\\n")
sys.exit(${exitCode})
`,
    "${port}",
  ]);
}

Deno.test("the program under test is the process channel program: its output and its exit", async () => {
  const result = await runText(`
name: one client
spawn:
  run: ${loggingServer(1)}
steps:
  - expect: { on: program, line: { regex: "^listening on \\\\d+$" } }
  - connect
  - send: "hello\\n"
  - expect: { line: "ok" }
  - expect: { on: program, line: "client 1 said hello" }
  - expect: { on: program, stream: stderr, line: "served 1" }
  - exit: { on: program, code: 0 }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("exit on program checks an error exit without the exit failing the step", async () => {
  const result = await runText(`
name: one client
spawn:
  run: ${loggingServer(1, 3)}
steps:
  - connect
  - send: "x\\n"
  - exit: { on: program, code: 0 }
`);
  const failure = failureOf(only(result));
  assertEquals([failure.step, failure.reason], [3, "mismatch"]);
  assertEquals(
    failure.message,
    `Expected "program" to exit with code 0, but it exited with code 3`,
  );
});

Deno.test("a scenario's end leaves the program under test running for the next", async () => {
  const result = await runText(`
name: two clients
spawn:
  run: ${loggingServer(2)}
scenarios:
  - name: first
    steps:
      - connect
      - send: "a\\n"
      - expect: { line: "ok" }
      - close
      - expect: { on: program, contains: "client 1 said a\\n" }
  - name: second
    steps:
      - connect
      - send: "b\\n"
      - expect: { line: "ok" }
      - expect: { on: program, line: "client 2 said b" }
      - exit: { on: program }
`);
  assertEquals(
    result.scenarios.map((scenario) => scenario.status),
    ["passed", "passed"],
    JSON.stringify(result.scenarios.map((scenario) => scenario.steps.at(-1)?.failure)),
  );
});

Deno.test("accept fails as soon as the client that was to connect has exited", async () => {
  const started = performance.now();
  const result = await runText(`
name: client
timeout: 10s
steps:
  - listen: srv
  - spawn: { as: client, run: ["python3", "-c", "import sys; print('no server given', file=sys.stderr); sys.exit(1)"] }
  - accept: { on: srv, as: conn }
`);
  const failure = failureOf(only(result));
  assertEquals([failure.step, failure.reason], [3, "exited"]);
  assertEquals(
    failure.message,
    `"client" exited with code 1 before connecting to "srv"; its stderr ends: "no server given"`,
  );
  // Far sooner than the 10 s timeout.
  assert(performance.now() - started < 5000);
});

Deno.test("accept still takes a client that connected and exited at once", async () => {
  const result = await runText(`
name: client
steps:
  - listen: srv
  - spawn: { as: client, run: ["python3", "-c", "import socket, sys; s = socket.create_connection(('127.0.0.1', int(sys.argv[1]))); s.sendall(b'hi\\\\n'); s.close()", "\${srv.port}"] }
  - exit: { on: client }
  - accept: { on: srv, as: conn }
  - expect: { on: conn, line: "hi" }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("a spawn step with ready: port waits until the process listens", async () => {
  const result = await runText(`
name: two servers
steps:
  - listen: spare # a free port, closed again at once
  - set: { p: "\${spare.port}" }
  - close: spare
  - spawn:
      as: server
      run: ${
    JSON.stringify([
      "python3",
      "-c",
      "import time, socket, sys\ntime.sleep(0.3)\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen()\nc, _ = s.accept()\nc.sendall(b'hello\\n')\nc.close()",
      "${p}",
    ])
  }
      ready: port
      port: "\${p}"
  - connect: { as: c, to: "tcp://127.0.0.1:\${p}" }
  - expect: { on: c, line: "hello" }
`);
  assertEquals(only(result).status, "passed", JSON.stringify(only(result).steps.at(-1)?.failure));
});

Deno.test("a spawn step with ready: stdout fails when the process exits first", async () => {
  const result = await runText(`
name: crash
steps:
  - spawn:
      as: server
      run: ["python3", "-c", "import sys; sys.exit(4)"]
      ready: { stdout: "^listening" }
`);
  const failure = failureOf(only(result));
  assertEquals([failure.step, failure.reason], [1, "exited"]);
  assertEquals(
    failure.message,
    `"server" exited with code 4 before it was ready (waiting for it to print a line matching /^listening/)`,
  );
});

Deno.test("a spawn step's ready: port needs a port", () => {
  const error = assertThrows(
    () =>
      parseSuite(
        "name: s\nsteps:\n  - spawn: { run: cat, ready: port }\n  - spawn: { as: b, run: cat, port: 9 }\n",
        { file: "s.yaml" },
      ),
    InvalidSuiteError,
  );
  assertEquals(error.issues.map(formatIssue), [
    `s.yaml:3:24: step 1: "ready: port" needs "port": the port the process is to listen on`,
    `s.yaml:4:31: step 2: "port" goes with "ready"`,
  ]);
});

Deno.test("an exit during a wait is reported as the exit, with its time, not as a timeout", async () => {
  // The program exits with code 2 while a child it leaves keeps the connection open:
  // the step's wait is cut short by the exit alone.
  const result = await runText(`
name: exit mid-wait
spawn:
  run: ${
    JSON.stringify([
      "python3",
      "-c",
      "import os, socket, sys, time\ns = socket.socket()\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen()\nc, _ = s.accept()\nc.recv(10)\nif os.fork() == 0:\n    time.sleep(30)\nsys.exit(2)",
      "${port}",
    ])
  }
timeout: 10s
steps:
  - connect
  - send: "x\\n"
  - expect: { line: "never" }
`);
  const failure = failureOf(only(result));
  assertEquals([failure.step, failure.reason], [3, "exited"]);
  assertMatch(
    failure.message,
    /^The program under test exited with code 2 \d+ms into this step \(it was waiting for line "never"\)$/,
  );
});

Deno.test("a reply printed instead of sent gets a hint", async () => {
  const result = await runText(`
name: prints instead
spawn:
  run: ${
    JSON.stringify([
      "python3",
      "-c",
      "import socket, sys\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen()\nprint('ready', flush=True)\nc, _ = s.accept()\nline = c.makefile('rb').readline().decode()\nprint(line.upper(), end='', flush=True)\nc.close()",
      "${port}",
    ])
  }
timeout: 2s
steps:
  - connect
  - send: "hello\\n"
  - expect: { line: "HELLO" }
`);
  const failure = failureOf(only(result));
  assertEquals([failure.step, failure.reason], [3, "closed"]);
  // (It may also say the program had exited by then.)
  assertStringIncludes(
    failure.message,
    `Connection "main" was closed by the peer before line "HELLO" arrived; "program" printed it to its stdout: did it print instead of send?`,
  );
});

Deno.test("a program that listens on a port of its own is told where it listens", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const own = taken.addr.port;
  taken.close();
  const result = await runText(`
name: own port
spawn:
  run: ${
    JSON.stringify([
      "python3",
      "-c",
      `import socket, time\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('0.0.0.0', ${own}))\ns.listen()\ntime.sleep(30)`,
    ])
  }
  timeout: 500ms
steps: [connect]
`);
  const scenario = only(result);
  assertEquals(scenario.status, "failed");
  assertMatch(
    scenario.note ?? failureOf(scenario).message,
    new RegExp(
      `it did not listen on TCP port (\\d+); it listens on 0\\.0\\.0\\.0:${own}, not on port \\1`,
    ),
  );
});

Deno.test("a refused connection names where the running program listens instead", async () => {
  const result = await runText(`
name: other host
spawn:
  run: ${
    JSON.stringify([
      "python3",
      "-c",
      "import socket, sys, time\ns = socket.socket(socket.AF_INET6)\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('::1', int(sys.argv[1])))\ns.listen()\ntime.sleep(30)",
      "${port}",
    ])
  }
steps: [connect]
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "refused");
  assertMatch(
    failure.message,
    /^Cannot connect to "127\.0\.0\.1:(\d+)": connection refused; the program under test listens on \[::1\]:\1$/,
  );
});

Deno.test("a program that runs out of its memory limit fails with the limit named", async () => {
  const result = await runText(`
name: greedy
timeout: 10s
steps:
  - spawn:
      as: greedy
      run: ["python3", "-c", "x = bytearray(512 * 1024 * 1024)"]
      limits: { memory: 128MiB }
  - exit: { on: greedy, code: 0 }
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "mismatch");
  assertEquals(
    failure.message,
    `Expected "greedy" to exit with code 0, but it exited with code 1: it exceeded its memory limit of 128 MiB`,
  );
});

Deno.test("a program that spins past its CPU limit is killed, with the limit named", async () => {
  const result = await runText(`
name: spinner
spawn:
  run: ${
    JSON.stringify([
      "python3",
      "-c",
      "import socket, sys\ns = socket.socket()\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen()\nwhile True: pass",
      "${port}",
    ])
  }
  limits: { cpu: 1s }
timeout: 10s
steps:
  - connect
  - expect: { line: "never" }
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "exited");
  assertMatch(
    failure.message,
    /^The program under test killed by SIGXCPU: it exceeded its CPU time limit of 1s \d+(\.\d+)?(ms|s) into this step/,
  );
});

Deno.test("limits are checked: sizes, durations, counts", () => {
  const error = assertThrows(
    () =>
      parseSuite(
        "name: s\nspawn: { run: x, limits: { memory: lots, cpu: 5, processes: 0, disk: 1 } }\nsteps: [connect]\n",
        { file: "s.yaml" },
      ),
    InvalidSuiteError,
  );
  assertEquals((error as InvalidSuiteError).issues.map((issue) => issue.message), [
    `Unknown key "disk" in "limits" (allowed: "cpu", "memory", "processes", "file_size", "open_files")`,
    `Expected "cpu" to be a duration like "2s" or "150ms", got number 5`,
    `Expected "memory" to be a size from 1MiB to 1GiB, like 1048576, "64KiB" or "1MiB", got "lots"`,
    `Expected "processes" to be a whole number from 1 to 1,000,000, got number 0`,
  ]);
});

Deno.test("a UDP program bound to another address is named when its answer never comes", async () => {
  const spare = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const other = (spare.addr as Deno.NetAddr).port;
  spare.close();
  const result = await runText(`
name: udp elsewhere
spawn:
  run: ${
    JSON.stringify([
      "python3",
      "-c",
      `import socket, time\nt = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nt.bind(('127.0.0.1', ${other}))\nprint('bound', flush=True)\ntime.sleep(30)`,
    ])
  }
  transport: udp
  ready: { stdout: "^bound$" }
timeout: 300ms
steps:
  - connect
  - send: "ping"
  - expect: "PING"
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "timeout");
  assertMatch(
    failure.message,
    new RegExp(
      `; the program under test is bound to 127\\.0\\.0\\.1:${other}, not to 127\\.0\\.0\\.1:\\d+$`,
    ),
  );
});
