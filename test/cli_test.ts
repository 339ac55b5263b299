import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { CLI, runParley } from "./_helpers.ts";

const parley = runParley;

async function tempSuite(text: string): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(path, text);
  return path;
}

Deno.test("cli exits 0 and prints the summary when everything passes", async () => {
  const { code, stdout } = await parley(["run", "scenarios/echo.yaml"]);
  assertEquals(code, 0);
  assertStringIncludes(stdout, "✓ echoes a line");
  assertEquals(stdout.trimEnd().split("\n").at(-1), "2 passed, 0 failed");
});

Deno.test("cli exits 1 with a failure report when a scenario fails", async () => {
  const path = await tempSuite(`name: fails
server: echo
scenarios:
  - name: wrong reply
    steps:
      - connect
      - send: "hello world\\n"
      - expect: "hello there\\n"
  - name: skipped
    skip: true
    steps: [connect]
`);
  try {
    const { code, stdout } = await parley(["run", path]);
    assertEquals(code, 1);
    assertStringIncludes(stdout, `✗ wrong reply`);
    assertStringIncludes(stdout, `at ${path}:8, step 3 of 3:\n        expect: "hello there\\n"`);
    assertStringIncludes(stdout, `Byte 6 differs: expected "t" (0x74), got "w" (0x77)`);
    assertStringIncludes(
      stdout,
      `expected: "hello there\\n"\n        received: "hello world\\n"\n`,
    );
    assertStringIncludes(stdout, "^ first difference at byte 6");
    assertMatch(stdout, /main {2}→ "hello world\\n"/);
    assertMatch(stdout, /main {2}← "hello world\\n"/);
    assertStringIncludes(stdout, "  - skipped (skipped)\n");
    assertEquals(stdout.trimEnd().split("\n").at(-1), "0 passed, 1 failed, 1 skipped");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("cli exits 2 for an invalid file and still runs the others", async () => {
  const path = await tempSuite(`name: bad\nserver: echo\nsteps:\n  - sned: "x"\n`);
  try {
    const { code, stdout } = await parley(["run", path, "scenarios/echo.yaml"]);
    assertEquals(code, 2);
    assertStringIncludes(
      stdout,
      `${path}:4:5: step 1: Unknown action "sned": did you mean "send"?`,
    );
    // The line as written, with a caret under the problem.
    assertStringIncludes(stdout, `\n      - sned: "x"\n        ^\n`);
    assertStringIncludes(stdout, "1 invalid file not run");
    assertEquals(stdout.trimEnd().split("\n").at(-1), "2 passed, 0 failed");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("cli exits 2 on a usage error", async () => {
  const unknown = await parley(["run", "--timeout-scael", "2"]);
  assertEquals(unknown.code, 2);
  assertStringIncludes(
    unknown.stderr,
    `error: Unknown option "--timeout-scael": did you mean "--timeout-scale"?`,
  );
  const missing = await parley(["run", "no/such/dir"]);
  assertEquals(missing.code, 2);
  assertStringIncludes(
    missing.stderr,
    `error: Cannot find "no/such/dir": no such file or directory`,
  );
  const scale = await parley(["run", "--timeout-scale", "zero", "scenarios/echo.yaml"]);
  assertEquals(scale.code, 2);
  assertStringIncludes(
    scale.stderr,
    `error: Invalid --timeout-scale "zero": expected a positive number`,
  );
});

Deno.test("cli runs scenarios/ by default", async () => {
  const { code, stdout } = await parley([]);
  assertEquals(code, 0);
  assertStringIncludes(stdout, "scenarios/chat.yaml");
  assertStringIncludes(stdout, "scenarios/echo.yaml");
});

Deno.test("serve prints its address, serves, and stops cleanly on Ctrl-C", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "upper", "--port", "0"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = (await lines.read()).value ?? "";
  const match = /^upper server listening on 127\.0\.0\.1:(\d+) \(tcp\+udp\)$/m.exec(first);
  assertEquals(match !== null, true, `unexpected output: ${first}`);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(match![1]) });
  await conn.write(new TextEncoder().encode("hi\n"));
  const reply = new Uint8Array(3);
  let have = 0;
  while (have < 3) have += (await conn.read(reply.subarray(have))) ?? 3;
  assertEquals(new TextDecoder().decode(reply), "HI\n");
  child.kill("SIGINT");
  const status = await child.status;
  conn.close();
  await lines.cancel();
  const stderr = new TextDecoder().decode(
    (await new Response(child.stderr).arrayBuffer()) as ArrayBuffer,
  );
  assertEquals(status.code, 0);
  assertStringIncludes(stderr, "upper server stopped");
});

Deno.test("serve rejects an unknown server with a suggestion", async () => {
  const { code, stderr } = await parley(["serve", "ehco"]);
  assertEquals(code, 2);
  assertStringIncludes(
    stderr,
    `error: Unknown server "ehco": did you mean "echo"? (built-in servers: echo, upper, chat)`,
  );
});

Deno.test("Ctrl-C ends a run at once, closes its connections and exits 130", async () => {
  const path = await tempSuite(`name: waits
server: echo
steps:
  - connect
  - expect: { text: "never", timeout: 60s }
`);
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "run", path],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let output = (await lines.read()).value ?? "";
    assertStringIncludes(output, `${path} (waits)`);
    child.kill("SIGINT");
    while (true) {
      const { value, done } = await lines.read();
      if (done) break;
      output += value;
    }
    const status = await child.status;
    await new Response(child.stderr).arrayBuffer();
    assertEquals(status.code, 130);
    assertStringIncludes(output, "Interrupted by SIGINT\n        stopped after");
    assertStringIncludes(output, "stopped after");
    assertEquals(output.trimEnd().split("\n").at(-1), "0 passed, 1 failed");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("--reporter gradescope=PATH writes results.json beside the pretty report", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/suite.yaml`;
  await Deno.writeTextFile(
    path,
    `name: graded\nserver: echo\nscenarios:\n  - name: passes\n    points: 2\n    steps: [connect, { send: "a" }, { expect: "a" }]\n  - name: fails\n    hidden: true\n    steps: [connect, { send: "a" }, { expect: "b" }]\n`,
  );
  try {
    const { code, stdout } = await parley([
      "run",
      path,
      "--reporter",
      "pretty",
      "--reporter",
      `gradescope=${dir}/out/results.json`,
    ]);
    assertEquals(code, 1);
    assertEquals(stdout.trimEnd().split("\n").slice(-2), ["1 passed, 1 failed", "Score: 2/3"]);
    const results = JSON.parse(await Deno.readTextFile(`${dir}/out/results.json`));
    assertEquals([results.score, results.max_score], [2, 3]);
    assertEquals(results.tests.map((test: { visibility: string }) => test.visibility), [
      "visible",
      "after_published",
    ]);
    assertEquals(results.tests[1]!.output.includes(dir), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--reporter refuses two reporters on stdout and unknown names", async () => {
  const both = await parley([
    "run",
    "scenarios/echo.yaml",
    "--reporter",
    "pretty",
    "--reporter",
    "gradescope",
  ]);
  assertEquals(both.code, 2);
  assertStringIncludes(
    both.stderr,
    `error: Reporters "pretty" and "gradescope" cannot both write to stdout; give one a path: --reporter gradescope=FILE`,
  );
  const unknown = await parley(["run", "scenarios/echo.yaml", "--reporter", "gradscope"]);
  assertEquals(unknown.code, 2);
  assertStringIncludes(
    unknown.stderr,
    `error: Unknown reporter "gradscope": did you mean "gradescope"?`,
  );
});

Deno.test("a report that cannot be written is a usage error, not a crash", async () => {
  const { code, stderr } = await parley([
    "run",
    "scenarios/echo.yaml",
    "--reporter",
    "json=/proc/parley/report.json",
  ]);
  assertEquals(code, 2);
  assertStringIncludes(stderr, `error: Cannot write report "/proc/parley/report.json": `);
});

function withoutInitCwd(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  return env;
}

Deno.test("deno task takes relative paths from the directory the user ran it in", async () => {
  const dir = await Deno.makeTempDir();
  const task = (...args: string[]): Promise<Deno.CommandOutput> =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "--quiet",
        `--config=${new URL("../deno.json", import.meta.url).pathname}`,
        ...args,
      ],
      cwd: dir,
      // As from a shell: no INIT_CWD of the task that runs these tests.
      clearEnv: true,
      env: { ...withoutInitCwd(), NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  try {
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      `name: a\nserver: echo\nsteps: [connect, { send: "x\\n" }, { expect: "x\\n" }, close]\n`,
    );
    const ran = await task(
      "scenario",
      "a.yaml",
      "--reporter",
      "pretty",
      "--reporter",
      "json=out.json",
    );
    assertEquals(ran.code, 0);
    assertStringIncludes(new TextDecoder().decode(ran.stdout), `${dir}/a.yaml (a)\n  ✓ a`);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
    assertEquals(report.suites[0].file, `${dir}/a.yaml`);
    const missing = await task("scenario", "nope.yaml");
    assertEquals(missing.code, 2);
    assertStringIncludes(
      new TextDecoder().decode(missing.stderr),
      `error: Cannot find "nope.yaml" in "${dir}": no such file or directory`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an INIT_CWD inherited outside the project's directory moves no path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.yaml`, `name: a\nserver: echo\nsteps: [connect]\n`);
    // A globally installed parley, run inside some npm script's directory.
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "run", "a.yaml", "--list"],
      cwd: dir,
      env: { NO_COLOR: "1", INIT_CWD: "/nonexistent" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(
      [output.code, new TextDecoder().decode(output.stdout)],
      [0, "a.yaml › a\n"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an installed parley command runs from any directory", async () => {
  const root = await Deno.makeTempDir();
  const dir = await Deno.makeTempDir();
  try {
    const install = await new Deno.Command(Deno.execPath(), {
      args: [
        "install",
        "--global",
        "--allow-all",
        "--root",
        root,
        "--name",
        "parley",
        `--config=${new URL("../deno.json", import.meta.url).pathname}`,
        CLI,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(install.code, 0, new TextDecoder().decode(install.stderr));
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      `name: a\nserver: echo\nsteps: [connect, { send: "x\\n" }, { expect: "x\\n" }, close]\n`,
    );
    const ran = await new Deno.Command(`${root}/bin/parley`, {
      args: ["run", "a.yaml"],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(
      [ran.code, new TextDecoder().decode(ran.stdout).replace(/\(\d+ms\)/, "(…)")],
      [0, "a.yaml (a)\n  ✓ a (…)\n\n1 passed, 0 failed\n"],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve runs with network permission alone, as a benchmark or a sandbox starts it", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", CLI, "serve", "echo"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value: first } = await lines.read();
  assertMatch(first ?? "", /^echo server listening on 127\.0\.0\.1:\d+ \(tcp\+udp\)\n$/);
  child.kill("SIGTERM");
  assertEquals((await child.status).code, 0);
  await lines.cancel();
  await child.stderr.cancel();
});
