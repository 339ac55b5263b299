// Running many files: jobs, shards, filter, bail, retries, variables and
// target, and the command line's --list.

import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { createReporters, runFiles, selectShard } from "../mod.ts";
import { startTestServer, write } from "./_helpers.ts";

async function withSuites<T>(
  files: Record<string, string>,
  run: (dir: string, paths: string[]) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir();
  try {
    const paths: string[] = [];
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
      paths.push(`${dir}/${name}`);
    }
    return await run(dir, paths);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A server that answers "go" only once two clients are connected at the same time. */
function rendezvous(): ReturnType<typeof startTestServer> {
  const waiting: Deno.TcpConn[] = [];
  let release: () => void = () => {};
  const both = new Promise<void>((resolve) => (release = resolve));
  return startTestServer(async (conn) => {
    waiting.push(conn);
    if (waiting.length === 2) release();
    await both;
    await write(conn, "go\n");
    await conn.read(new Uint8Array(1));
  });
}

function meeting(port: number, name: string): string {
  return `name: ${name}\ntarget: "tcp://127.0.0.1:${port}"\ntimeout: 1s\nsteps:\n  - connect\n  - expect: { line: "go" }\n`;
}

Deno.test("--jobs runs files at once, and each file's output stays together", async () => {
  await using server = rendezvous();
  await withSuites(
    { "a.yaml": meeting(server.port, "a"), "b.yaml": meeting(server.port, "b") },
    async (dir, paths) => {
      let out = "";
      const summary = await runFiles(paths, {
        jobs: 2,
        reporters: await createReporters([], { stdout: (text) => (out += text) }),
      });
      // Each suite waits for the other to connect: only a concurrent run passes.
      assertEquals([summary.passed, summary.failed], [2, 0]);
      assertMatch(
        out,
        new RegExp(
          `${dir}/(a|b)\\.yaml \\((a|b)\\)\n  ✓ (a|b) \\(\\d+ms\\)\n\n${dir}/(a|b)\\.yaml`,
        ),
      );
    },
  );
});

Deno.test("--jobs 1 runs files one after another", async () => {
  await using server = rendezvous();
  await withSuites(
    { "a.yaml": meeting(server.port, "a"), "b.yaml": meeting(server.port, "b") },
    async (_dir, paths) => {
      const summary = await runFiles(paths, { jobs: 1 });
      assertEquals(summary.suites[0]!.scenarios[0]!.status, "failed");
    },
  );
});

Deno.test("shards partition the files exactly", () => {
  const files = Array.from({ length: 11 }, (_, i) => `suite_${String(i).padStart(2, "0")}.yaml`)
    .reverse();
  for (const total of [1, 2, 3, 4, 11, 12]) {
    const shards = Array.from(
      { length: total },
      (_, i) => selectShard(files, { index: i + 1, total }),
    );
    assertEquals(shards.flat().sort(), [...files].sort(), `every file once with ${total} shards`);
    const sizes = shards.map((shard) => shard.length);
    assertEquals(
      Math.max(...sizes) - Math.min(...sizes) <= 1,
      true,
      `balanced with ${total} shards`,
    );
  }
  assertEquals(
    selectShard(files, { index: 2, total: 3 }),
    selectShard([...files].reverse(), { index: 2, total: 3 }),
  );
});

const TWO = `name: two
server: echo
scenarios:
  - name: first fails
    steps: [connect, { send: "a" }, { expect: "b" }]
  - name: second passes
    steps: [connect, { send: "a" }, { expect: "a" }]
`;

Deno.test("--filter runs the matching scenarios only", async () => {
  await withSuites({ "two.yaml": TWO }, async (_dir, paths) => {
    const byText = await runFiles(paths, {
      filter: (suite, scenario) => `${suite.file} › ${scenario.name}`.includes("second"),
    });
    assertEquals(byText.suites[0]!.scenarios.map((scenario) => scenario.name), ["second passes"]);
    assertEquals([byText.passed, byText.failed], [1, 0]);
  });
});

Deno.test("--bail stops after the first failure", async () => {
  await withSuites({ "two.yaml": TWO }, async (_dir, paths) => {
    const summary = await runFiles(paths, { bail: true });
    assertEquals(summary.suites[0]!.scenarios.map((scenario) => [scenario.status, scenario.note]), [
      ["failed", undefined],
      ["skipped", "not run after a failure (--bail)"],
    ]);
  });
});

Deno.test("--retries re-runs a failed scenario and reports a pass on retry", async () => {
  let connections = 0;
  await using server = startTestServer(async (conn) => {
    connections++;
    await write(conn, connections < 3 ? "flaky\n" : "ok\n");
  });
  await withSuites({
    "flaky.yaml":
      `name: flaky\ntarget: "tcp://127.0.0.1:${server.port}"\nsteps:\n  - connect\n  - expect: { line: "ok" }\n`,
  }, async (_dir, paths) => {
    let out = "";
    const summary = await runFiles(paths, {
      retries: 2,
      reporters: await createReporters([], { stdout: (text) => (out += text) }),
    });
    assertEquals(summary.suites[0]!.scenarios[0]!.status, "passed");
    assertEquals(summary.suites[0]!.scenarios[0]!.attempts, 3);
    assertMatch(out, /✓ flaky \(\d+ms, passed on retry 2 of 2\)/);
  });
});

Deno.test("--var overrides suite variables and --target replaces the target", async () => {
  await using server = startTestServer(async (conn) => {
    const buffer = new Uint8Array(100);
    const n = await conn.read(buffer) ?? 0;
    await write(conn, buffer.subarray(0, n));
  });
  await withSuites({
    "v.yaml":
      `name: v\ntarget: "tcp://127.0.0.1:1"\nvars: { word: default }\nsteps:\n  - connect\n  - send: "\${word} \${extra}\\n"\n  - expect: { line: "given more" }\n`,
  }, async (_dir, paths) => {
    const summary = await runFiles(paths, {
      variables: { word: "given", extra: "more" },
      target: `tcp://127.0.0.1:${server.port}`,
    });
    assertEquals(summary.passed, 1, JSON.stringify(summary.suites[0]!));
  });
});

Deno.test("--list prints the scenarios without running them", async () => {
  await withSuites({ "two.yaml": TWO }, async (dir) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli.ts", "run", dir, "--list", "--filter", "/second|first/"],
      stdout: "piped",
    }).output();
    assertEquals(output.code, 0);
    assertEquals(
      new TextDecoder().decode(output.stdout),
      `${dir}/two.yaml › first fails\n${dir}/two.yaml › second passes\n`,
    );
  });
});

Deno.test("the command line rejects malformed --shard, --var and --target", async () => {
  for (
    const [args, message] of [
      [["--shard", "3/2"], `Invalid --shard "3/2": expected I/N with 1 <= I <= N, like 2/4`],
      [["--var", "novalue"], `Invalid --var "novalue": expected name=value`],
      [
        ["--target", "http://x"],
        `Invalid --target "http://x": expected tcp://host:port or udp://host:port`,
      ],
    ] as const
  ) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli.ts", "run", "scenarios/echo.yaml", ...args],
      stderr: "piped",
    }).output();
    assertEquals(output.code, 2);
    assertStringIncludes(new TextDecoder().decode(output.stderr), `error: ${message}`);
  }
});
