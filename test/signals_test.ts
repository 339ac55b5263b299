// Signals and time limits, for real: `deno task scenario` gets SIGTERM,
// SIGHUP or SIGINT from the test as it would from timeout(1), CI or a
// terminal; reports are still written and nothing is left running.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { fixture, isRunning, runParley, startTestServer } from "./_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;

interface JsonScenario {
  name: string;
  status: string;
  note?: string;
  steps: { failure?: { reason: string; message: string } }[];
  transcript: { kind: string; detail?: string }[];
}

function scenariosOf(report: string): JsonScenario[] {
  return JSON.parse(report).suites.flatMap((suite: { scenarios: JsonScenario[] }) =>
    suite.scenarios
  );
}

/** A server that resolves `connected` when the run reaches it, and holds the connection. */
function waitingPeer(): { port: number; connected: Promise<void>; close(): Promise<void> } {
  let reached!: () => void;
  const connected = new Promise<void>((resolve) => (reached = resolve));
  const server = startTestServer(async (conn) => {
    reached();
    await conn.read(new Uint8Array(1));
  });
  return { port: server.port, connected, close: () => server.close() };
}

/** A suite whose first scenario waits on `port` for a minute, and a second that connects. */
function waitThenLater(header: string, port: number): string {
  return `${header}
scenarios:
  - name: waits
    steps:
      - connect: { to: "tcp://127.0.0.1:${port}" }
      - expect: { text: "never", timeout: 60s }
  - name: later
    steps: [{ connect: { to: "tcp://127.0.0.1:${port}" } }]
`;
}

async function suiteFile(dir: string, text: string): Promise<string> {
  const path = `${dir}/suite.yaml`;
  await Deno.writeTextFile(path, text);
  return path;
}

for (const [signal, code] of [["SIGTERM", 143], ["SIGHUP", 129], ["SIGINT", 130]] as const) {
  Deno.test(`${signal} through deno task stops the run, writes every report and exits ${code}`, async () => {
    const dir = await Deno.makeTempDir();
    const peer = waitingPeer();
    try {
      const pids = `${dir}/helper.pid`;
      const path = await suiteFile(
        dir,
        `name: interrupted
spawn: { run: ["python3", "${fixture("hostile/daemonize.py")}", "\${port}", "${pids}"] }
scenarios:
  - name: waits
    steps:
      - connect: { to: "tcp://127.0.0.1:${peer.port}" }
      - expect: { text: "never", timeout: 60s }
  - name: later
    steps: [connect]
`,
      );
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "task",
          "scenario",
          path,
          "--reporter",
          `json=${dir}/report.json`,
          "--reporter",
          `junit=${dir}/report.xml`,
        ],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      await peer.connected;
      child.kill(signal);
      const status = await child.status;
      await child.stdout.cancel();
      await child.stderr.cancel();
      assertEquals(status.code, code);
      const scenarios = scenariosOf(await Deno.readTextFile(`${dir}/report.json`));
      assertEquals(scenarios.map((scenario) => scenario.status), ["failed", "skipped"]);
      assertEquals(scenarios[0]!.steps.at(-1)?.failure, {
        reason: "interrupted",
        message: `Interrupted by ${signal}`,
        channel: "main",
      });
      assertEquals(scenarios[1]!.note, `not run: interrupted by ${signal}`);
      const junit = await Deno.readTextFile(`${dir}/report.xml`);
      assertStringIncludes(junit, `Interrupted by ${signal}`);
      for (const file of [pids, `${pids}.program`]) {
        const pid = Number(await Deno.readTextFile(file));
        assert(!isRunning(pid), `${file}: ${pid} is still running`);
      }
    } finally {
      await peer.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a second signal kills a process that ignores SIGTERM at once", async () => {
  const dir = await Deno.makeTempDir();
  let told!: () => void;
  const termed = new Promise<void>((resolve) => (told = resolve));
  await using notices = startTestServer(() => Promise.resolve(told()));
  const peer = waitingPeer();
  try {
    const path = await suiteFile(
      dir,
      `name: stubborn
steps:
  - spawn: { as: stubborn, run: ["python3", "${
        fixture("hostile/stubborn.py")
      }", "${notices.port}"] }
  - expect: { on: stubborn, line: "ready" }
  - connect: { to: "tcp://127.0.0.1:${peer.port}" }
  - expect: { text: "never", timeout: 60s }
`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["task", "scenario", path, "--reporter", `json=${dir}/report.json`],
      cwd: ROOT,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await peer.connected;
    child.kill("SIGTERM");
    // The stubborn process got its SIGTERM and ignored it: the grace period runs.
    await termed;
    child.kill("SIGTERM");
    assertEquals((await child.status).code, 143);
    const scenario = scenariosOf(await Deno.readTextFile(`${dir}/report.json`))[0]!;
    const notes = scenario.transcript.filter((event) => event.kind === "note");
    assertEquals(
      notes.map((event) => event.detail),
      ["killed at once (SIGKILL): a second signal skipped the grace period"],
    );
    const end = scenario.transcript.find((event) => event.kind === "end");
    assertEquals(end?.detail, "stopped by Parley (SIGKILL)");
  } finally {
    await peer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--max-time fails the running scenario, reports the rest as not run and exits 1", async () => {
  const dir = await Deno.makeTempDir();
  const peer = waitingPeer();
  try {
    const path = await suiteFile(dir, waitThenLater("name: slow", peer.port));
    const { code, stdout } = await runParley([
      "run",
      path,
      "--max-time",
      "500ms",
      "--reporter",
      "pretty",
      "--reporter",
      `json=${dir}/report.json`,
    ]);
    assertEquals(code, 1);
    assertStringIncludes(stdout, "The run's time limit of 500ms (--max-time) ran out");
    const scenarios = scenariosOf(await Deno.readTextFile(`${dir}/report.json`));
    assertEquals(scenarios.map((scenario) => scenario.status), ["failed", "skipped"]);
    assertEquals(scenarios[0]!.steps.at(-1)?.failure?.reason, "timeout");
    assertEquals(
      scenarios[1]!.note,
      "not run: the run's time limit of 500ms (--max-time) ran out",
    );
  } finally {
    await peer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a suite's max_time bounds that file alone", async () => {
  const dir = await Deno.makeTempDir();
  const peer = waitingPeer();
  try {
    const path = await suiteFile(dir, waitThenLater("name: bounded\nmax_time: 300ms", peer.port));
    const { code, stdout } = await runParley(["run", path]);
    assertEquals(code, 1);
    assertStringIncludes(stdout, "The run's time limit of 300ms (max_time) ran out");
    assertStringIncludes(
      stdout,
      "- later (skipped: not run: the run's time limit of 300ms (max_time) ran out)",
    );
  } finally {
    await peer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("time limits above 24h are refused, before or after scaling", async () => {
  const flag = await runParley(["run", "scenarios/echo.yaml", "--max-time", "25h"]);
  assertEquals(flag.code, 2);
  assertStringIncludes(
    flag.stderr,
    `error: Invalid --max-time: Invalid duration "25h": at most 24h`,
  );
  const scale = await runParley(["run", "scenarios/echo.yaml", "--timeout-scale", "2000000"]);
  assertEquals(scale.code, 2);
  assertStringIncludes(
    scale.stderr,
    `error: Invalid --timeout-scale "2000000": expected a positive number up to 1000`,
  );
  const dir = await Deno.makeTempDir();
  try {
    const path = await suiteFile(dir, `name: slow\nserver: echo\ntimeout: 5m\nsteps: [connect]\n`);
    const scaled = await runParley(["run", path, "--timeout-scale", "1000"]);
    assertEquals(scaled.code, 2);
    assertStringIncludes(
      scaled.stdout,
      `${path}:3:1: Invalid "timeout": "5m" scaled by --timeout-scale 1000 is 5000m0s, more than 24h\n    timeout: 5m\n    ^\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a signal while the program under test starts stops it and reports every scenario as not run", async () => {
  const dir = await Deno.makeTempDir();
  let told!: () => void;
  const started = new Promise<void>((resolve) => (told = resolve));
  await using notices = startTestServer(() => Promise.resolve(told()));
  try {
    const script = `
import os, socket, sys, time
with open(sys.argv[1], "w") as f:
    f.write(str(os.getpid()))
socket.create_connection(("127.0.0.1", ${notices.port})).close()
time.sleep(600)
`;
    const path = await suiteFile(
      dir,
      `name: slow start
spawn: { run: ${JSON.stringify(["python3", "-c", script, `${dir}/program.pid`])}, timeout: 60s }
scenarios:
  - name: first
    steps: [connect]
  - name: second
    steps: [connect]
`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["task", "scenario", path, "--reporter", `json=${dir}/report.json`],
      cwd: ROOT,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await started;
    child.kill("SIGTERM");
    assertEquals((await child.status).code, 143);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    assertEquals(
      report.suites[0]!.error,
      "Interrupted by SIGTERM while the program under test was starting",
    );
    assertEquals(
      scenariosOf(JSON.stringify(report)).map((scenario) => [scenario.status, scenario.note]),
      [
        ["skipped", "not run: interrupted by SIGTERM"],
        ["skipped", "not run: interrupted by SIGTERM"],
      ],
    );
    const pid = Number(await Deno.readTextFile(`${dir}/program.pid`));
    assert(!isRunning(pid), `program ${pid} is still running`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--max-time while the program under test starts fails the suite with exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await suiteFile(
      dir,
      `name: slow start\nspawn: { run: ["sleep", "60"], timeout: 60s }\nsteps: [connect]\n`,
    );
    const { code, stdout } = await runParley(["run", path, "--max-time", "300ms"]);
    assertEquals(code, 1);
    assertStringIncludes(
      stdout,
      "The run's time limit of 300ms (--max-time) ran out while the program under test was starting",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
