// Whole processes, as a user runs them: from start to exit, medians of
// alternating rounds. Four comparisons:
//   1. 1000 conversations: `parley run` against a plain Deno script, each
//      with its echo server in its own process;
//   2. a one-scenario file against an empty `deno run` script (start-up);
//   3. listing (parsing and validating) 1000 scenarios against 1;
//   4. 1000 conversations: `parley run` against a Tcl `expect` script, both
//      against an echo server in another process (skipped with a note where
//      `expect` is not installed).

const ROUNDS = 7;
const CONVERSATIONS = 1000;
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

function write(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text));
}

/** Runs a command to its exit and returns the wall time in milliseconds. */
async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  const { code, stderr } = await new Deno.Command(args[0]!, {
    args: args.slice(1),
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - started;
  if (code !== 0) {
    throw new Error(`${args.join(" ")} exited ${code}: ${new TextDecoder().decode(stderr)}`);
  }
  return elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `a` and `b` in alternating rounds; medians and the median of per-round ratios. */
async function compare(
  a: string[],
  b: string[],
): Promise<{ a: number; b: number; ratio: number }> {
  await timed(a);
  await timed(b);
  const as: number[] = [];
  const bs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    as.push(await timed(a));
    bs.push(await timed(b));
  }
  return { a: median(as), b: median(bs), ratio: median(as.map((time, i) => time / bs[i]!)) };
}

function onPath(tool: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => {
    try {
      return Deno.statSync(`${dir}/${tool}`).isFile;
    } catch {
      return false;
    }
  });
}

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", CLI, "serve", "echo"],
  stdin: "null",
  stdout: "piped",
  stderr: "null",
}).spawn();
const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
const banner = (await reader.read()).value ?? "";
const port = Number(/:(\d+) /.exec(banner)?.[1]);
const dir = await Deno.makeTempDir();

try {
  const scenario = (i: number): string =>
    `  - name: conversation ${i}\n    steps: [connect, { send: "hello ${i}\\n" }, { expect: "hello ${i}\\n" }, close]\n`;
  const suite = (count: number, address: string): string =>
    `name: echo\n${address}\nscenarios:\n${
      Array.from({ length: count }, (_, i) => scenario(i)).join("")
    }`;
  // The built-in echo server, in Parley's own process.
  await Deno.writeTextFile(`${dir}/many.yaml`, suite(CONVERSATIONS, "server: echo"));
  await Deno.writeTextFile(`${dir}/one.yaml`, suite(1, "server: echo"));
  // The echo server in a process of its own, as a Tcl script would test it.
  const target = `target: tcp://127.0.0.1:${port}`;
  await Deno.writeTextFile(`${dir}/many_remote.yaml`, suite(CONVERSATIONS, target));
  await Deno.writeTextFile(`${dir}/empty.ts`, "");
  // The plain script's own echo server, in its process as Parley's is in Parley's.
  await Deno.writeTextFile(
    `${dir}/plain.ts`,
    `const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const port = (listener.addr as Deno.NetAddr).port;
(async () => {
  for await (const conn of listener) {
    (async () => {
      const buffer = new Uint8Array(64 * 1024);
      try {
        for (;;) {
          const count = await conn.read(buffer);
          if (count === null) break;
          await conn.write(buffer.subarray(0, count));
        }
      } catch {
        // The client went away.
      } finally {
        try {
          conn.close();
        } catch {
          // Closed already.
        }
      }
    })();
  }
})().catch(() => {});
const encoder = new TextEncoder();
const buffer = new Uint8Array(1024);
for (let i = 0; i < ${CONVERSATIONS}; i++) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const line = encoder.encode(\`hello \${i}\\n\`);
  await conn.write(line);
  let have = 0;
  while (have < line.length) {
    const count = await conn.read(buffer.subarray(have));
    if (count === null) throw new Error("closed");
    have += count;
  }
  conn.close();
}
listener.close();
`,
  );
  await Deno.writeTextFile(
    `${dir}/conversations.exp`,
    `for {set i 0} {$i < ${CONVERSATIONS}} {incr i} {
  set sock [socket 127.0.0.1 ${port}]
  fconfigure $sock -buffering line -translation lf
  puts $sock "hello $i"
  if {[gets $sock line] < 0 || $line ne "hello $i"} { exit 1 }
  close $sock
}
`,
  );
  const parley = (file: string, ...extra: string[]): string[] => [
    Deno.execPath(),
    "run",
    "-A",
    CLI,
    "run",
    `${dir}/${file}`,
    ...extra,
  ];
  const denoRun = (file: string): string[] => [Deno.execPath(), "run", "-A", `${dir}/${file}`];

  const conversations = await compare(parley("many.yaml"), denoRun("plain.ts"));
  write(
    `${CONVERSATIONS} conversations, whole processes, each with its echo server in its own process (${ROUNDS} rounds)\n` +
      `  parley run:        median ${conversations.a.toFixed(0)} ms\n` +
      `  plain Deno script: median ${conversations.b.toFixed(0)} ms\n` +
      `  ratio:             ${conversations.ratio.toFixed(2)}x (target: at most 1.5x)\n`,
  );
  const startup = await compare(parley("one.yaml"), denoRun("empty.ts"));
  write(
    `a one-scenario file against an empty deno run script\n` +
      `  parley run:        median ${startup.a.toFixed(0)} ms\n` +
      `  empty script:      median ${startup.b.toFixed(0)} ms\n` +
      `  ratio:             ${startup.ratio.toFixed(2)}x (target: at most 1.8x)\n`,
  );
  const listing = await compare(parley("many.yaml", "--list"), parley("one.yaml", "--list"));
  write(
    `parsing and validating ${CONVERSATIONS} scenarios (--list of ${CONVERSATIONS} against 1)\n` +
      `  ${CONVERSATIONS} scenarios:     median ${listing.a.toFixed(0)} ms\n` +
      `  1 scenario:        median ${listing.b.toFixed(0)} ms\n` +
      `  difference:        ${(listing.a - listing.b).toFixed(0)} ms (target: at most 20 ms)\n`,
  );
  // What bounds the two start-up targets on this runtime: std's YAML parser
  // alone on the 1000-scenario file, and loading Parley's modules without
  // running anything (`--help`), each against an empty script.
  await Deno.writeTextFile(
    `${dir}/yaml_only.ts`,
    `import { parse } from "@std/yaml";\nparse(await Deno.readTextFile(${
      JSON.stringify(`${dir}/many.yaml`)
    }));\n`,
  );
  const yamlOnly = await compare(
    [Deno.execPath(), "run", "-A", `--config=${ROOT}deno.json`, `${dir}/yaml_only.ts`],
    denoRun("empty.ts"),
  );
  const modules = await compare(
    [Deno.execPath(), "run", "-A", CLI, "--help"],
    denoRun("empty.ts"),
  );
  write(
    `floors: what the runtime and std cost before Parley does anything\n` +
      `  @std/yaml parse of the ${CONVERSATIONS}-scenario file: ${
        (yamlOnly.a - yamlOnly.b).toFixed(0)
      } ms over an empty script\n` +
      `  loading Parley's modules (parley --help): ${modules.a.toFixed(0)} ms, ${
        modules.ratio.toFixed(2)
      }x an empty script\n`,
  );
  if (onPath("expect")) {
    const tcl = await compare(parley("many_remote.yaml"), [
      "expect",
      `${dir}/conversations.exp`,
    ]);
    write(
      `${CONVERSATIONS} conversations against a Tcl expect script with Tcl sockets, echo server in another process\n` +
        `  parley run:        median ${tcl.a.toFixed(0)} ms\n` +
        `  expect:            median ${tcl.b.toFixed(0)} ms\n` +
        `  ratio:             ${tcl.ratio.toFixed(2)}x (target: below 1x)\n`,
    );
  } else {
    write("expect is not installed: the comparison with a Tcl expect script is skipped\n");
  }
} finally {
  server.kill("SIGTERM");
  await server.status;
  await reader.cancel();
  await Deno.remove(dir, { recursive: true });
}
