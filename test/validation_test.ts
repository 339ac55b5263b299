import { assertEquals, assertThrows } from "@std/assert";
import { formatIssue, InvalidSuiteError, parseSuite } from "../mod.ts";

const EXPECT_KEYS = [
  "on",
  "timeout",
  "stream",
  "as",
  "text",
  "hex",
  "base64",
  "line",
  "lines",
  "unordered",
  "contains",
  "regex",
  "json",
  "closed",
  "silence",
  "fields",
  "received",
  "any",
];

/** Every problem validation reports for a suite, formatted. */
function problems(yaml: string): string[] {
  const error = assertThrows(() => parseSuite(yaml, { file: "s.yaml" }), InvalidSuiteError);
  return error.issues.map(formatIssue);
}

function steps(...lines: string[]): string {
  return `name: s\nserver: echo\nsteps:\n${lines.map((line) => `  - ${line}`).join("\n")}\n`;
}

Deno.test("invalid YAML is reported with its line", () => {
  assertEquals(problems("name: x\nsteps: [connect,\n  - : :\n"), [
    "s.yaml:3: Invalid YAML: Cannot read flow collection: missing comma between flow collection entries",
  ]);
});

Deno.test("a suite must be a mapping", () => {
  assertEquals(problems("- connect\n"), [
    `s.yaml: Expected a suite to be a mapping with "name" and "scenarios", got a list`,
  ]);
});

Deno.test("a misspelt suite key gets a suggestion", () => {
  assertEquals(problems("name: s\nserver: echo\ntimout: 1s\nsteps: [connect]\n"), [
    `s.yaml:3:1: Unknown key "timout" in the suite: did you mean "timeout"? (allowed: "name", "server", "target", "tls", "spawn", "wait", "timeout", "vars", "scenarios", "steps", "max_buffer", "max_time", "secrets")`,
  ]);
});

Deno.test("an unknown server gets a suggestion", () => {
  assertEquals(problems("name: s\nserver: ehco\nsteps: [close]\n"), [
    `s.yaml:2:1: Unknown server "ehco": did you mean "echo"? (built-in servers: "echo", "upper", "chat")`,
    `s.yaml:3:1: step 1: Connection "main" is not open; add "- connect" before this step`,
  ]);
});

Deno.test("a suite has at most one of server, target and spawn", () => {
  assertEquals(problems("name: s\nserver: echo\ntarget: tcp://127.0.0.1:7\nsteps: [connect]\n"), [
    `s.yaml:3:1: A suite takes at most one of "server", "target" or "spawn", got "server", "target"`,
  ]);
});

Deno.test("a target must be a tcp or udp address", () => {
  assertEquals(problems("name: s\ntarget: http://x:80\nsteps: [connect]\n"), [
    `s.yaml:2:1: Invalid "target" "http://x:80": expected "tcp://host:port", "udp://host:port", "tls://host:port" or "unix:///path"`,
  ]);
  assertEquals(problems("name: s\ntarget: tcp://x:0\nsteps: [connect]\n"), [
    `s.yaml:2:1: Invalid port "0" in "target" "tcp://x:0": expected 1 to 65535`,
  ]);
});

Deno.test("durations need a unit", () => {
  assertEquals(problems("name: s\nserver: echo\ntimeout: 2\nsteps: [connect]\n"), [
    `s.yaml:3:1: Expected "timeout" to be a duration like "2s" or "150ms", got number 2`,
  ]);
  assertEquals(problems(steps("sleep: 2 seconds")), [
    `s.yaml:4:5: step 1: Invalid "sleep": Invalid duration "2 seconds": expected a number with a unit (ms, s, m, h), like "150ms" or "2s"`,
  ]);
});

Deno.test("vars and max_buffer are checked", () => {
  assertEquals(problems("name: s\nserver: echo\nvars: [1]\nmax_buffer: lots\nsteps: [connect]\n"), [
    `s.yaml:3:1: Expected "vars" to be a mapping of names to values, got a list`,
    `s.yaml:4:1: Expected "max_buffer" to be a size from 1KiB to 1GiB, like 1048576, "64KiB" or "1MiB", got "lots"`,
  ]);
});

Deno.test("a suite needs scenarios or steps, not both", () => {
  assertEquals(problems("name: s\nserver: echo\n"), [
    `s.yaml: A suite needs one of "scenarios" or "steps"`,
  ]);
  assertEquals(problems("name: s\nserver: echo\nscenarios: []\n"), [
    `s.yaml:3:1: Expected "scenarios" to be a non-empty list, got a list`,
  ]);
  assertEquals(
    problems(
      "name: s\nserver: echo\nsteps: [connect]\nscenarios:\n  - name: a\n    steps: [connect]\n",
    ),
    [`s.yaml:3:1: A suite takes one of "scenarios" or "steps", got "scenarios", "steps"`],
  );
});

Deno.test("scenarios are checked: shape, name, keys, skip, steps, duplicates", () => {
  assertEquals(
    problems(`name: s
server: echo
scenarios:
  - just a string
  - steps: [connect]
  - name: a
    stepz: [connect]
  - name: b
    skip: 3
    steps: [connect]
  - name: b
    steps: [connect]
`),
    [
      `s.yaml:4:5: scenario "#1": Expected a scenario to be a mapping with "name" and "steps", got "just a string"`,
      `s.yaml:5:5: scenario "#2": A scenario needs "name"`,
      `s.yaml:7:5: scenario "a": Unknown key "stepz" in a scenario: did you mean "steps"? (allowed: "name", "steps", "timeout", "skip", "points", "hidden", "leaderboard")`,
      `s.yaml:6:5: scenario "a": Expected "steps" to be a non-empty list, got nothing`,
      `s.yaml:9:5: scenario "b": Expected "skip" to be true, false or a reason, got number 3`,
      `s.yaml:11:5: scenario "b": Duplicate scenario name "b"`,
    ].sort((a, b) => Number(a.split(":")[1]) - Number(b.split(":")[1])),
  );
});

Deno.test("a misspelt action gets a suggestion", () => {
  assertEquals(problems(steps("connect", `sned: "x"`)), [
    `s.yaml:5:5: step 2: Unknown action "sned": did you mean "send"? (actions: "connect", "send", "expect", "close", "starttls", "sleep", "set", "spawn", "listen", "accept", "proxy", "exit", "repeat", "include")`,
  ]);
  assertEquals(problems(steps("conect")), [
    `s.yaml:4:5: step 1: Unknown action "conect": did you mean "connect"? (actions: "connect", "send", "expect", "close", "starttls", "sleep", "set", "spawn", "listen", "accept", "proxy", "exit", "repeat", "include")`,
  ]);
});

Deno.test("a step has exactly one action", () => {
  assertEquals(problems(steps("connect", `{ send: "x", expect: "x" }`, "42")), [
    `s.yaml:5:18: step 2: A step has exactly one action, got "send", "expect"; write each as its own "- " item`,
    `s.yaml:6:5: step 3: Expected a step to be an action or a mapping, got number 42`,
  ]);
});

Deno.test("connect options are checked", () => {
  assertEquals(
    problems(steps(
      `connect: { as: a, transport: sctp }`,
      `connect: { as: b, fails: refsued }`,
      `connect: { as: c, to: "udp://127.0.0.1:9", transport: tcp }`,
      `connect: { as: d, tiemout: 1s }`,
      `connect: a`,
    )),
    [
      `s.yaml:4:23: step 1: Invalid "transport" "sctp": expected "tcp" or "udp"`,
      `s.yaml:5:23: step 2: Invalid "fails" "refsued": did you mean "refused"? (expected one of "refused", "timeout", "unresolved", "handshake", "any")`,
      `s.yaml:6:48: step 3: Transport "tcp" contradicts the address's scheme "udp"`,
      `s.yaml:7:23: step 4: Unknown key "tiemout" in "connect": did you mean "timeout"? (allowed: "as", "to", "transport", "tls", "framing", "faults", "timeout", "fails")`,
      `s.yaml:8:5: step 5: Connection "a" is already open (step 1); close it first or choose another name`,
    ],
  );
});

Deno.test("fails applies to TCP only", () => {
  assertEquals(problems(steps("connect: { transport: udp, fails: refused }")), [
    `s.yaml:4:32: step 1: "fails" applies to TCP only: UDP has no connection to refuse or time out`,
  ]);
});

Deno.test("connect needs an address", () => {
  assertEquals(problems("name: s\nsteps: [connect]\n"), [
    `s.yaml:2:1: step 1: No address to connect to: give "to", or set the suite's "server", "target" or "spawn"`,
  ]);
});

Deno.test("a server is only reached over the transports it speaks", () => {
  assertEquals(problems("name: s\nserver: chat\nsteps:\n  - connect: { transport: udp }\n"), [
    `s.yaml:4:5: step 1: The "chat" server does not speak UDP; it speaks TCP`,
  ]);
});

Deno.test("send needs exactly one valid payload on an open connection", () => {
  assertEquals(
    problems(steps(
      "connect",
      `send: { on: main }`,
      `send: { text: "a", hex: "00" }`,
      `send: { hex: "0g" }`,
      `send: { base64: "!!" }`,
      `send: { on: bob, text: "x" }`,
    )),
    [
      `s.yaml:5:5: step 2: "send" needs one of "text", "hex", "base64" or "fields"`,
      `s.yaml:6:24: step 3: "send" takes one of "text", "hex", "base64" or "fields", got "text", "hex"`,
      `s.yaml:7:13: step 4: Invalid hex "0g": expected pairs of hex digits, optionally separated by spaces`,
      `s.yaml:8:13: step 5: Invalid base64 "!!": expected base64 text`,
      `s.yaml:9:13: step 6: Connection "bob" is not open (open connections: "main")`,
    ],
  );
});

Deno.test("expect takes exactly one valid expectation", () => {
  assertEquals(
    problems(steps(
      "connect",
      `expect: { on: main }`,
      `expect: { text: "a", line: "a" }`,
      `expect: { regex: "(unclosed" }`,
      `expect: { closed: yes }`,
      `expect: { silence: soon }`,
      `expect: { lines: "a" }`,
      `expect: { line: { contains: "a", regex: "b" } }`,
      `expect: { line: { has: "a" } }`,
    )),
    [
      `s.yaml:5:5: step 2: "expect" needs one of "text", "hex", "base64", "line", "lines", "unordered", "contains", "regex", "json", "closed", "silence", "fields", "received" or "any"`,
      `s.yaml:6:26: step 3: "expect" takes one of "text", "hex", "base64", "line", "lines", "unordered", "contains", "regex", "json", "closed", "silence", "fields", "received" or "any", got "text", "line"; use one step each`,
      `s.yaml:7:15: step 4: Invalid regex "(unclosed": /(unclosed/: Unterminated group`,
      `s.yaml:8:15: step 5: Expected "closed" to be true or "reset", got "yes"`,
      `s.yaml:9:15: step 6: Invalid "silence": Invalid duration "soon": expected a number with a unit (ms, s, m, h), like "150ms" or "2s"`,
      `s.yaml:10:15: step 7: Expected "lines" to be a non-empty list of lines, got "a"`,
      `s.yaml:11:38: step 8: A line takes one of "text", "contains", "regex" or "json", got "contains", "regex"`,
      `s.yaml:12:23: step 9: Unknown key "has" in a line (allowed: "text", "contains", "regex", "json")`,
    ],
  );
});

Deno.test("line expectations do not apply to UDP", () => {
  assertEquals(problems(steps("connect: { transport: udp }", `expect: { line: "a" }`)), [
    `s.yaml:5:15: step 2: "line" applies to streams; "main" is a UDP connection: a UDP expect matches one whole datagram with "text", "hex", "base64", "contains", "regex", "json" or "silence"`,
  ]);
});

Deno.test("variables must be defined before use", () => {
  assertEquals(
    problems(steps(
      "connect",
      `send: "\${who}"`,
      `expect: { regex: "(?<who>\\\\w+)" }`,
      `send: "\${who} \${host}:\${port} \${env.HOME} \${env.NOPE:-x}"`,
      `send: "\${unclosed"`,
    )),
    [
      `s.yaml:5:5: step 2: Undefined variable "who" in "\${who}" (defined: "host", "port")`,
      `s.yaml:8:5: step 5: Unclosed "\${" in "\${unclosed": write "$\${" for a literal "\${"`,
    ],
  );
});

Deno.test("set takes a mapping and defines variables for later steps", () => {
  assertEquals(
    problems(steps("set: [a]", "connect", `set: { greeting: hi }`, `send: "\${greeting}"`)),
    [
      `s.yaml:4:5: step 1: Expected "set" to be a mapping of names to values, got a list`,
    ],
  );
});

Deno.test("an option given twice is an error", () => {
  assertEquals(
    problems(
      "name: s\nserver: echo\nsteps:\n  - connect\n  - send: { on: main, text: x }\n    on: main\n",
    ),
    [
      `s.yaml:5:5: step 2: Option "on" is given twice`,
    ],
  );
});

Deno.test("every error of a file is listed at once, in line order", () => {
  const found = problems(`name: s
server: ehco
timout: 1s
scenarios:
  - name: a
    steps:
      - sned: "x"
      - connect
      - send: { text: "a", hex: "00" }
      - expect: { on: bob, line: "x" }
`);
  assertEquals(found.length, 5);
  assertEquals(found.map((line) => Number(line.split(":")[1])), [2, 3, 7, 9, 10]);
});

Deno.test("a step in a flow list is shown in flow style", () => {
  const suite = parseSuite(
    `name: s\nserver: echo\nsteps: [connect, { send: "hi\\n" }, { expect: { line: hi } }]\n`,
  );
  assertEquals(suite.scenarios[0]!.steps.map((step) => step.source), [
    "connect",
    `{ send: "hi\\n" }`,
    "{ expect: { line: hi } }",
  ]);
});

Deno.test("a valid suite becomes a typed model", () => {
  const suite = parseSuite(`name: s
server: echo
timeout: 1s
vars: { greeting: hi }
scenarios:
  - name: a
    timeout: 500ms
    steps:
      - connect
      - send: { hex: "68 69" }
        timeout: 100ms
      - expect: { line: { json: { ok: true } } }
      - close
`);
  assertEquals(suite.timeout, 1000);
  assertEquals(suite.variables, { greeting: "hi" });
  const scenario = suite.scenarios[0]!;
  assertEquals(scenario.timeout, 500);
  assertEquals(scenario.steps.map((step) => step.action), ["connect", "send", "expect", "close"]);
  assertEquals(scenario.steps[1]!.timeout, 100);
  assertEquals(scenario.steps[1]!.line, 10);
  assertEquals(scenario.steps[1]!.source, `send: { hex: "68 69" }\ntimeout: 100ms`);
  assertEquals(scenario.steps[2]!, {
    number: 3,
    line: 12,
    source: "expect: { line: { json: { ok: true } } }",
    action: "expect",
    on: "main",
    stream: "stdout",
    expectation: { kind: "line", line: { kind: "json", value: { ok: true } } },
    timeout: undefined,
  });
});

Deno.test("assignment steps are checked", () => {
  assertEquals(
    problems(steps(
      "connect",
      `connect: { as: u, transport: udp }`,
      `send: { on: u, text: "x", chunks: 2 }`,
      `expect: { on: main, stream: stderr, text: "x" }`,
      `accept: { on: main, as: c }`,
      `exit: { on: main }`,
      `spawn: { as: p }`,
      `send: { text: "x", chunks: 2, chunk_size: 3 }`,
      `send: { text: "x", delay: 5ms }`,
      `repeat: { times: 0, steps: [{ connect: x }] }`,
      `close: { how: reset }`,
    )),
    [
      `s.yaml:6:31: step 3: "chunks" and "chunk_size" apply to streams: on UDP every send is one datagram`,
      `s.yaml:7:25: step 4: "stream" applies to spawned processes; "main" is a connection`,
      `s.yaml:8:15: step 5: "main" is not a TCP listener`,
      `s.yaml:9:5: step 6: "exit" applies to spawned processes; "main" is a connection`,
      `s.yaml:10:5: step 7: "spawn" needs "run": the command to start`,
      `s.yaml:11:35: step 8: A split takes one of "chunks" or "chunk_size", got "chunks", "chunk_size"`,
      `s.yaml:12:24: step 9: "delay" goes with "chunks" or "chunk_size"`,
      `s.yaml:13:15: step 10: Expected "times" to be a whole number from 1 to 1,000,000, got number 0`,
      `s.yaml:14:14: step 11: "how: reset" is not available: Deno cannot abort a TCP connection with a reset (it offers no SO_LINGER); use "how: half" or a full close`,
    ],
  );
});

Deno.test("a listener must be accepted from before it is read", () => {
  assertEquals(problems("name: s\nsteps:\n  - listen: srv\n  - expect: { on: srv, text: x }\n"), [
    `s.yaml:4:5: step 2: Cannot expect on listener "srv": accept a connection first (- accept: { on: srv, as: conn })`,
  ]);
});

Deno.test("a listener's port is a variable only after it listens", () => {
  assertEquals(
    problems(
      `name: s\nsteps:\n  - spawn: { as: c, run: "client \${srv.port}" }\n  - listen: srv\n`,
    ),
    [
      `s.yaml:3:21: step 1: Undefined variable "srv.port" in "client \${srv.port}" (no variables are defined here)`,
    ],
  );
});

Deno.test("a suite's program is checked", () => {
  assertEquals(
    problems(`name: s
spawn:
  run: "python3 'server.py"
  ready: { stderr: x }
  per: test
  port: 70000
steps: [connect]
`),
    [
      `s.yaml:3:3: Unclosed ' in command line "python3 'server.py"`,
      `s.yaml:4:3: Expected "ready" to be "port" or { stdout: "regex" }, got a mapping`,
      `s.yaml:5:3: Invalid "per" "test": expected "suite" or "scenario"`,
      `s.yaml:6:3: Expected "port" to be a port number from 1 to 65535, got number 70000`,
    ],
  );
});

Deno.test("points and hidden are checked", () => {
  assertEquals(
    problems(
      "name: s\nserver: echo\nscenarios:\n  - name: a\n    points: lots\n    hidden: maybe\n    steps: [connect]\n",
    ),
    [
      `s.yaml:5:5: scenario "a": Expected "points" to be a number of 0 or more, got "lots"`,
      `s.yaml:6:5: scenario "a": Expected "hidden" to be true, false, "after_published" or "after_due_date", got "maybe"`,
    ],
  );
});

Deno.test("includes are read, checked in place, and cycles refused", () => {
  const files: Record<string, string> = {
    "dir/login.yaml": `steps:\n  - connect: \${user}\n  - sned: x\n`,
    "dir/a.yaml": `steps:\n  - include: { file: b.yaml }\n`,
    "dir/b.yaml": `steps:\n  - include: { file: a.yaml }\n`,
  };
  const readFile = (path: string): string => {
    if (!(path in files)) throw new Deno.errors.NotFound(path);
    return files[path]!;
  };
  const error = assertThrows(
    () =>
      parseSuite(
        `name: s\nserver: echo\nsteps:\n  - include: { file: login.yaml, vars: { user: alice } }\n  - send: { on: alice, text: x }\n  - include: { file: missing.yaml }\n  - include: { file: a.yaml }\n`,
        { file: "dir/s.yaml", readFile },
      ),
    InvalidSuiteError,
  );
  assertEquals(error.issues.map(formatIssue), [
    `dir/s.yaml:6:5: step 3: Cannot read include "dir/missing.yaml": no such file`,
    `dir/login.yaml:3:5: step 2: Unknown action "sned": did you mean "send"? (actions: "connect", "send", "expect", "close", "starttls", "sleep", "set", "spawn", "listen", "accept", "proxy", "exit", "repeat", "include") (included from dir/s.yaml:4, step 1)`,
    `dir/b.yaml:2:5: step 1: Include cycle: "dir/a.yaml" includes "dir/b.yaml" includes "dir/a.yaml" (included from dir/a.yaml:2, step 1)`,
  ]);
});

Deno.test("a typo in a step's options is reported at its own line and column, once", () => {
  const error = assertThrows(
    () =>
      parseSuite(
        "name: s\nserver: echo\nsteps:\n  - connect\n  - expect:\n      line: hi\n      timout: 1s\n  - send: x\n    tiemout: 2s\n",
        { file: "s.yaml" },
      ),
    InvalidSuiteError,
  ) as InvalidSuiteError;
  assertEquals(
    error.issues.map((issue) => [issue.line, issue.column, issue.source]),
    [[7, 7, "      timout: 1s"], [9, 5, "    tiemout: 2s"]],
  );
  assertEquals(
    error.issues.map(formatIssue).map((text) => text.split(";")[0]),
    [
      `s.yaml:7:7: step 2: Unknown key "timout" in "expect": did you mean "timeout"? (allowed: "on", "timeout", "stream", "as", "text", "hex", "base64", "line", "lines", "unordered", "contains", "regex", "json", "closed", "silence", "fields", "received", "any")`,
      `s.yaml:9:5: step 3: Unknown key "tiemout" in "send": did you mean "timeout"? (allowed: "on", "text", "hex", "base64", "fields", "timeout", "chunks", "chunk_size", "delay")`,
    ],
  );
});

Deno.test("problems are data: a code, the path in the document and the details", () => {
  const error = assertThrows(
    () =>
      parseSuite(
        "name: s\nserver: echo\nscenarios:\n  - name: a\n    steps:\n      - connect\n      - expect: { line: hi, timout: 1s }\n      - close: { how: sideways }\n",
        { file: "s.yaml" },
      ),
    InvalidSuiteError,
  ) as InvalidSuiteError;
  assertEquals(
    error.issues.map(({ code, path, line, column, details }) => ({
      code,
      path,
      line,
      column,
      details,
    })),
    [
      {
        code: "unknown-key",
        path: "scenarios[0].steps[1].expect.timout",
        line: 7,
        column: 29,
        details: { key: "timout", in: `"expect"`, allowed: EXPECT_KEYS },
      },
      {
        code: "not-one-of",
        path: "scenarios[0].steps[2].close.how",
        line: 8,
        column: 18,
        details: { what: `"how"`, got: `"sideways"`, allowed: ["full", "half"] },
      },
    ],
  );
  assertEquals(
    error.issues.map(formatIssue),
    [
      `s.yaml:7:29: scenario "a", step 2: Unknown key "timout" in "expect": did you mean "timeout"? (allowed: ${
        EXPECT_KEYS.map((key) => `"${key}"`).join(", ")
      })`,
      `s.yaml:8:18: scenario "a", step 3: Invalid "how" "sideways": expected "full" or "half"`,
    ],
  );
});

Deno.test("a problem without a key to point at names the entry it is about", () => {
  const error = assertThrows(
    () => parseSuite("name: s\nserver: echo\nsteps:\n  - connect\n  - 42\n", { file: "s.yaml" }),
    InvalidSuiteError,
  ) as InvalidSuiteError;
  assertEquals(
    error.issues.map(({ code, path, line, column }) => ({ code, path, line, column })),
    [{ code: "wrong-type", path: "steps[1]", line: 5, column: 5 }],
  );
});

Deno.test("the program under test is open as program in every scenario, and only with spawn", () => {
  assertEquals(
    problems(
      "name: s\nspawn: python3 server.py\nsteps:\n  - spawn: { run: cat, as: program }\n  - exit: { on: program }\n",
    ),
    [
      `s.yaml:4:24: step 1: "program" is the program under test, open in every scenario; choose another name`,
    ],
  );
  assertEquals(problems("name: s\nserver: echo\nsteps:\n  - exit: { on: program }\n"), [
    `s.yaml:4:13: step 1: Connection "program" is not open; "program" is the program under test of a suite with "spawn"`,
  ]);
});
