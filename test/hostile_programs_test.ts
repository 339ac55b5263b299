// Programs under test that misbehave, for real: a helper that leaves the
// process group and keeps the pipes and the socket, a program that floods
// its stdout, one that ignores SIGTERM, and one that outruns its reader.

import { assert, assertEquals, assertLess, assertStringIncludes } from "@std/assert";
import {
  CLI,
  failureOf,
  fixture,
  isRunning,
  only,
  reportFigure,
  runMeasured,
  runParley,
  runText,
  testWithTools,
} from "./_helpers.ts";

Deno.test("a helper that leaves the group with the program's pipes and socket is found and stopped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/helper.pid`;
    const result = await runText(`
name: daemon
spawn: { run: ["python3", "${fixture("hostile/daemonize.py")}", "\${port}", "${pidFile}"] }
steps:
  - connect
  - send: "hi\\n"
  - expect: "hi\\n"
`);
    // The run ended although the helper held stdout and stderr open.
    assertEquals(only(result).status, "passed");
    const helper = Number(await Deno.readTextFile(pidFile));
    assert(!isRunning(helper), `helper ${helper} is still running`);
    assertEquals(result.notes?.length, 1);
    assertStringIncludes(
      result.notes![0],
      `The program under test: Stopped 1 process that outlived it: ${helper} (`,
    );
    assertStringIncludes(result.notes![0], "daemonize.py");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a spawned process whose helper keeps its pipes is stopped, and the transcript says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/helper.pid`;
    const script = `
import os, sys, time
if os.fork() == 0:
    os.setsid()
    with open(sys.argv[1], "w") as f:
        f.write(str(os.getpid()))
    time.sleep(600)
print("parent done", flush=True)
`;
    const result = await runText(`
name: spawned daemon
steps:
  - spawn: { as: client, run: ${JSON.stringify(["python3", "-c", script, pidFile])} }
  - expect: { on: client, line: "parent done" }
  - exit: { on: client, code: 0 }
  - expect: { on: client, text: "nothing more" }
`);
    const scenario = only(result);
    // The last step fails: the helper holds stdout open, so it never closes.
    assertEquals(failureOf(scenario).reason, "timeout");
    const helper = Number(await Deno.readTextFile(pidFile));
    assert(!isRunning(helper), `helper ${helper} is still running`);
    const note = scenario.transcript.find((event) => event.kind === "note");
    assertStringIncludes(note?.detail ?? "", `Stopped 1 process that outlived it: ${helper} (`);
    assertStringIncludes(
      result.notes?.[0] ?? "",
      `"client" in "spawned daemon": Stopped 1 process`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a program that ignores SIGTERM is killed after the grace period", async () => {
  const result = await runText(`
name: stubborn
steps:
  - spawn: { as: stubborn, run: ["python3", "${fixture("hostile/ignore_term.py")}"] }
  - expect: { on: stubborn, line: "ready" }
`);
  assertEquals(only(result).status, "passed");
  const pid = Number(/process (\d+)/.exec(only(result).transcript[0]!.detail ?? "")?.[1]);
  assert(pid > 0);
  assert(!isRunning(pid));
  const end = only(result).transcript.find((event) => event.kind === "end");
  assertEquals(end?.detail, "stopped by Parley (SIGKILL)");
});

Deno.test("a process channel holds at most max_buffer unread: a program that outruns its reader waits", async () => {
  // 4 MiB to stdout, nobody reads it: with a 64 KiB buffer the program blocks
  // on a full pipe and never reaches "done" on stderr.
  const result = await runText(`
name: back-pressure
max_buffer: 64KiB
steps:
  - spawn: { as: writer, run: ["python3", "${fixture("hostile/write_then_report.py")}", "4096"] }
  - expect: { on: writer, stream: stderr, line: "done", timeout: 1s }
`);
  const failure = failureOf(only(result));
  assertEquals(failure.reason, "timeout");
  assertEquals(
    failure.message,
    `Timed out after 1s waiting for line "done" on "writer" (nothing unread)`,
  );
  // Without back-pressure the same program finishes.
  const free = await runText(`
name: no back-pressure
steps:
  - spawn: { as: writer, run: ["python3", "${fixture("hostile/write_then_report.py")}", "256"] }
  - expect: { on: writer, stream: stderr, line: "done", timeout: 10s }
`);
  assertEquals(only(free).status, "passed");
});

Deno.test("a program that writes 1 GiB to stdout is read as it comes: the run passes under 300 MB", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const suite = `${dir}/flood.yaml`;
    await Deno.writeTextFile(
      suite,
      `name: flood
spawn: { run: ["python3", "${
        fixture("hostile/flood_stdout.py")
      }", "\${port}", "1024"], timeout: 120s }
steps:
  - connect
  - send: "still there\\n"
  - expect: { text: "still there\\n", timeout: 60s }
  - expect: { text: "never", timeout: 100ms }
`,
    );
    const run = await runMeasured([Deno.execPath(), "run", "-A", CLI, "run", suite]);
    assertEquals(run.code, 1, run.stdout);
    // The report keeps the last 64 KiB of the output and counts the rest.
    assertStringIncludes(run.stdout, `Timed out after 100ms waiting for "never" on "main"`);
    assertStringIncludes(run.stdout, "stdout (last 20 lines of 1073741824 bytes):");
    assertStringIncludes(run.stdout, "stderr:\n          flooded\n");
    assertLess(run.peakMiB, 300, `peak RSS ${run.peakMiB.toFixed(0)} MiB`);
    reportFigure(`1 GiB of program output: peak RSS ${run.peakMiB.toFixed(0)} MiB`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a program that daemonizes (exits 0, its daemon listens) is waited for, used and stopped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/daemon.pid`;
    const result = await runText(`
name: daemonizes
spawn: { run: ["python3", "${fixture("hostile/daemon_like_redis.py")}", "\${port}", "${pidFile}"] }
steps:
  - connect
  - send: "hi\\n"
  - expect: "hi\\n"
`);
    assertEquals(only(result).status, "passed", JSON.stringify(only(result).note));
    const daemon = Number(await Deno.readTextFile(pidFile));
    assert(!isRunning(daemon), `daemon ${daemon} is still running`);
    assertStringIncludes(
      result.notes?.[0] ?? "",
      `The program under test: Stopped 1 process that outlived it: ${daemon} (`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a program that exits 0 leaving nothing running fails after a short grace, not at its timeout", async () => {
  const result = await runText(`
name: exits
spawn: { run: ["sh", "-c", "exit 0"], timeout: 60s }
steps: [connect]
`);
  const scenario = only(result);
  assertEquals(scenario.status, "failed");
  assertStringIncludes(
    scenario.note ?? "",
    "The program under test exited with code 0 before it was ready",
  );
  assertLess(result.duration, 10_000);
});

testWithTools(
  ["redis-server"],
  "redis-server --daemonize yes is tested and stopped with its daemon",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const result = await runText(`
name: redis daemon
spawn:
  run: ["redis-server", "--port", "\${port}", "--bind", "127.0.0.1", "--daemonize", "yes", "--save", "", "--appendonly", "no", "--pidfile", "${dir}/redis.pid", "--dir", "${dir}"]
steps:
  - connect
  - send: "PING\\r\\n"
  - expect: "+PONG\\r\\n"
`);
      assertEquals(only(result).status, "passed", JSON.stringify(only(result).note));
      const daemon = Number(await Deno.readTextFile(`${dir}/redis.pid`).catch(() => "0"));
      assert(daemon === 0 || !isRunning(daemon), `redis ${daemon} is still running`);
      assertStringIncludes(result.notes?.[0] ?? "", "Stopped 1 process that outlived it:");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("a helper that sheds every trace is still stopped when the run ends", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/helper.pid`;
    await Deno.writeTextFile(
      `${dir}/vanish.yaml`,
      `name: vanish
spawn: { run: ["python3", "${fixture("hostile/vanish.py")}", "\${port}", "${pidFile}"] }
steps:
  - connect
  - send: "hi\\n"
  - expect: "hi\\n"
`,
    );
    const { code, stderr } = await runParley(["run", `${dir}/vanish.yaml`]);
    assertEquals(code, 0);
    const helper = Number(await Deno.readTextFile(pidFile));
    assert(!isRunning(helper), `helper ${helper} is still running`);
    assertStringIncludes(stderr, `Stopped 1 process that outlived its run: ${helper} (sleep 600)`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
