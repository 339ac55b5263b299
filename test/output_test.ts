// How a run ends as a process: a closed stdout is not a crash, and exit 3
// is kept for real bugs.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { CLI, fixture, isRunning } from "./_helpers.ts";

Deno.test("a closed stdout (parley run | head) stops the writing, not the run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pids = `${dir}/helper.pid`;
    const scenarios = Array.from(
      { length: 300 },
      (_, i) => `  - name: fails ${i}\n    steps: [connect, { send: "x\\n" }, { expect: "y\\n" }]`,
    ).join("\n");
    await Deno.writeTextFile(
      `${dir}/many.yaml`,
      `name: many
spawn: { run: ["python3", "${fixture("hostile/daemonize.py")}", "\${port}", "${pids}"] }
scenarios:
${scenarios}
`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "run", `${dir}/many.yaml`],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Like `head -1`: read the first chunk, then close the pipe.
    const reader = child.stdout.getReader();
    const first = await reader.read();
    assert(!first.done);
    await reader.cancel();
    const [status, stderr] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
    ]);
    assertEquals(status.code, 1);
    assertEquals(stderr, "");
    for (const file of [pids, `${pids}.program`]) {
      const pid = Number(await Deno.readTextFile(file));
      assert(!isRunning(pid), `${file}: ${pid} is still running`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an internal error exits 3 and asks to report it", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fixture("internal_error.ts"), "run", "scenarios/echo.yaml"],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(output.code, 3);
  const stderr = new TextDecoder().decode(output.stderr);
  assertStringIncludes(
    stderr,
    "Internal error in Parley (please report it):\nInternal error: TypeError: simulated defect\n",
  );
});
