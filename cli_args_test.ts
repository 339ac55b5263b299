import { assertEquals, assertThrows } from "@std/assert";
import {
  FLAGS,
  fromInvocationDir,
  parseCommand,
  type RunCommand,
  usage,
  UsageError,
} from "./cli_args.ts";
import { REPORTER_NAMES } from "./runner/report/mod.ts";

Deno.test("a run command is parsed into typed options without running anything", () => {
  const command = parseCommand([
    "run",
    "a.yaml",
    "dir",
    "--reporter",
    "pretty",
    "--reporter",
    "json=out.json",
    "--jobs",
    "3",
    "--shard",
    "2/4",
    "--bail",
    "--retries",
    "2",
    "--var",
    "a=1",
    "--var",
    "b=x=y",
    "--target",
    "tcp://127.0.0.1:7",
    "--timeout-scale",
    "2.5",
    "--max-time",
    "10m",
    "--no-color",
  ]);
  assertEquals(command.kind, "run");
  if (command.kind !== "run") return;
  const { filter: _, ...rest } = command;
  assertEquals(rest, {
    kind: "run",
    paths: ["a.yaml", "dir"],
    reporters: ["pretty", "json=out.json"],
    jobs: 3,
    shard: { index: 2, total: 4 },
    bail: true,
    retries: 2,
    list: false,
    variables: { a: "1", b: "x=y" },
    target: "tcp://127.0.0.1:7",
    timeoutScale: 2.5,
    maxTime: 600_000,
    color: false,
  });
});

Deno.test("run is the default command and scenarios/ the default path", () => {
  const command = parseCommand([]);
  assertEquals(command.kind === "run" ? [command.paths, command.color] : [], [["scenarios"], true]);
});

Deno.test("--filter matches text or a /regex/", () => {
  const text = parseCommand(["--filter", "echo"]);
  const regex = parseCommand(["--filter", "/^a.*b$/"]);
  assertEquals(text.kind === "run" && text.filter?.matches("x echo y"), true);
  assertEquals(regex.kind === "run" && regex.filter?.matches("a to b"), true);
  assertEquals(regex.kind === "run" && regex.filter?.matches("b to a"), false);
});

Deno.test("serve and help are parsed", () => {
  assertEquals(parseCommand(["serve", "echo", "--port", "7000"]), {
    kind: "serve",
    server: "echo",
    port: 7000,
    hostname: "127.0.0.1",
  });
  assertEquals(parseCommand(["--help"]), { kind: "help" });
  assertEquals(parseCommand(["run", "-h"]), { kind: "help" });
});

Deno.test("bad command lines are usage errors that say what is wrong", () => {
  const cases: [string[], string][] = [
    [["--timeout-scael", "2"], `Unknown option "--timeout-scael": did you mean "--timeout-scale"?`],
    [["-q"], `Unknown option "-q"`],
    [["--jobs", "two"], `Invalid --jobs "two": expected a whole number`],
    [["--shard", "5/4"], `Invalid --shard "5/4": expected I/N with 1 <= I <= N, like 2/4`],
    [["--var", "novalue"], `Invalid --var "novalue": expected name=value`],
    [
      ["--target", "http://x"],
      `Invalid --target "http://x": expected tcp://host:port or udp://host:port`,
    ],
    [
      ["--timeout-scale", "0"],
      `Invalid --timeout-scale "0": expected a positive number up to 1000`,
    ],
    [["--max-time", "25h"], `Invalid --max-time: Invalid duration "25h": at most 24h`],
    [
      ["--filter", "/(/"],
      `Invalid --filter /(/: Invalid regular expression: /(/: Unterminated group`,
    ],
    [["serve"], `Name a server to start: echo, upper, chat`],
    [
      ["serve", "ehco"],
      `Unknown server "ehco": did you mean "echo"? (built-in servers: echo, upper, chat)`,
    ],
    [["serve", "echo", "--port", "70000"], `Invalid --port "70000": expected 0 to 65535`],
    [["serve", "echo", "--jobs", "2"], `Unknown option "--jobs"`],
  ];
  for (const [argv, message] of cases) {
    assertThrows(() => parseCommand(argv), UsageError, message);
  }
});

Deno.test("the usage lists every flag and every reporter, from their tables", () => {
  const text = usage();
  for (const flag of FLAGS) assertEquals(text.includes(`--${flag.name}`), true, flag.name);
  for (const name of REPORTER_NAMES) assertEquals(text.includes(name), true, name);
});

Deno.test("paths given on the command line are read from where the user ran it", () => {
  const command = parseCommand([
    "run",
    "a.yaml",
    "../b.yaml",
    "/abs/c.yaml",
    "--reporter",
    "json=out.json",
    "--reporter",
    "pretty",
  ]) as RunCommand;
  const moved = fromInvocationDir(command, "/proj/sub", "/proj");
  assertEquals(moved.paths, ["sub/a.yaml", "b.yaml", "/abs/c.yaml"]);
  assertEquals(moved.reporters, ["json=sub/out.json", "pretty"]);
  // Outside the project a path is given whole; the default path stays the project's.
  assertEquals(fromInvocationDir(command, "/elsewhere", "/proj").paths, [
    "/elsewhere/a.yaml",
    "/b.yaml",
    "/abs/c.yaml",
  ]);
  const defaults = parseCommand(["run"]) as RunCommand;
  assertEquals(fromInvocationDir(defaults, "/proj/sub", "/proj").paths, ["scenarios"]);
});
