// Input that attacks the loader: alias bombs, files that are not files,
// huge files, floods of problems, numbers that would wrap or overflow.

import { assert, assertEquals, assertLess, assertStringIncludes } from "@std/assert";
import { InvalidSuiteError, loadSuite, parseSuite } from "../mod.ts";
import { CLI, runMeasured, runParley } from "./_helpers.ts";

function problems(yaml: string): string[] {
  try {
    parseSuite(yaml, { file: "s.yaml" });
  } catch (error) {
    if (error instanceof InvalidSuiteError) return error.issues.map((issue) => issue.message);
    throw error;
  }
  throw new Error("Expected the suite to be invalid");
}

/** A "billion laughs" suite: `levels` levels of nine aliases each. */
function aliasBomb(levels: number): string {
  const lines = ["name: bomb", "server: echo", "a0: &a0 [connect, connect, connect]"];
  for (let level = 1; level <= levels; level++) {
    const previous = `*a${level - 1}`;
    lines.push(`a${level}: &a${level} [${Array(9).fill(previous).join(", ")}]`);
  }
  lines.push(`steps: [${Array(9).fill(`*a${levels}`).join(", ")}]`);
  return lines.join("\n") + "\n";
}

Deno.test("a YAML alias bomb is refused at load, in bounded time and memory", async () => {
  assertEquals(problems(aliasBomb(9)), [
    `Invalid YAML: Aliases expand to more than 100000 values (nested aliases multiply, as in a "billion laughs" document); a suite needs far fewer`,
  ]);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bomb.yaml`, aliasBomb(9));
    const run = await runMeasured([
      Deno.execPath(),
      "run",
      "-A",
      CLI,
      "run",
      `${dir}/bomb.yaml`,
      "--reporter",
      `json=${dir}/report.json`,
    ]);
    assertEquals(run.code, 2);
    assertLess(run.peakMiB, 200);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    assertStringIncludes(JSON.stringify(report), "Aliases expand to more than 100000 values");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("modest aliases still work", () => {
  const suite = parseSuite(`name: ok
server: echo
scenarios:
  - name: first
    steps: &hello [connect, { send: "hi\\n" }]
  - name: again
    steps: *hello
`);
  assertEquals(suite.scenarios[1]!.steps.map((step) => step.action), ["connect", "send"]);
});

Deno.test("only regular files are read as suites: a FIFO, a device and a directory get clear errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fifo = `${dir}/pipe.yaml`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert(made.success);
    for (
      const [path, kind] of [
        [fifo, "a FIFO"],
        ["/dev/zero", "a character device"],
        [dir, "a directory"],
      ] as const
    ) {
      const error = await loadSuite(path).then(
        () => undefined,
        (error) => error as InvalidSuiteError,
      );
      assertEquals(
        error?.issues.map((issue) => issue.message),
        [`Cannot read "${path}": it is ${kind}, not a regular file`],
      );
    }
    // Through the CLI, with no reader for the FIFO: a clear error, not a hang.
    const { code, stdout } = await runParley(["run", fifo]);
    assertEquals(code, 2);
    assertStringIncludes(stdout, `Cannot read "${fifo}": it is a FIFO, not a regular file`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("suite and include files over 10 MiB are refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const big = `${dir}/big.yaml`;
    await Deno.writeTextFile(big, `name: big\n# ${"x".repeat(10 * 1024 * 1024)}\n`);
    const error = await loadSuite(big).then(() => undefined, (error) => error as InvalidSuiteError);
    assertEquals(error?.issues.map((issue) => issue.message), [
      `Cannot read "${big}": it has 10485773 bytes, more than the limit of 10485760 (10 MiB)`,
    ]);
    await Deno.writeTextFile(
      `${dir}/main.yaml`,
      "name: main\nserver: echo\nsteps:\n  - include: big.yaml\n  - include: pipe.yaml\n",
    );
    await new Deno.Command("mkfifo", { args: [`${dir}/pipe.yaml`] }).output();
    const included = await loadSuite(`${dir}/main.yaml`).then(
      () => undefined,
      (error) => error as InvalidSuiteError,
    );
    assertEquals(included?.issues.map((issue) => issue.message), [
      `Cannot read include "${dir}/big.yaml": it has 10485773 bytes, more than the limit of 10485760 (10 MiB)`,
      `Cannot read include "${dir}/pipe.yaml": it is a FIFO, not a regular file`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file with thousands of problems shows the first 50 and how many more", () => {
  const references = Array.from({ length: 20_000 }, (_, i) => `\${undefined_${i}}`).join("");
  const started = performance.now();
  const messages = problems(
    `name: many\nserver: echo\nvars: { a: "1" }\nsteps:\n  - connect\n  - send: "${references}"\n`,
  );
  assertLess(performance.now() - started, 5_000);
  assertEquals(messages.length, 51);
  assertStringIncludes(messages[0], `Undefined variable "undefined_0" in`);
  assertEquals(messages[50], "19950 more problems not shown (only the first 50 are)");
});

Deno.test("sizes and counts are validated, never wrapped", () => {
  const suite = (extra: string, step = "close"): string =>
    `name: n\nserver: echo\n${extra}steps:\n  - connect\n  - ${step}\n`;
  for (const value of [".nan", ".inf", "1e400", "0", "512", "2GiB", "5000000000"]) {
    assertEquals(problems(suite(`max_buffer: ${value}\n`)), [
      `Expected "max_buffer" to be a size from 1KiB to 1GiB, like 1048576, "64KiB" or "1MiB", got ${
        value.endsWith("B")
          ? `"${value}"`
          : `number ${Number(value.replace(".inf", "Infinity").replace(".nan", "NaN"))}`
      }`,
    ]);
  }
  assertEquals(problems(suite("", "repeat: { times: 5000000000, steps: [{ send: x }] }")), [
    `Expected "times" to be a whole number from 1 to 1,000,000, got number 5000000000`,
  ]);
  assertEquals(
    problems(suite("", "repeat: { times: 2, concurrency: 20000, steps: [{ send: x }] }")),
    [`Expected "concurrency" to be a whole number from 1 to 10,000, got number 20000`],
  );
  assertEquals(problems(suite("", "expect: { silence: 1000h }")), [
    `Invalid "silence": Invalid duration "1000h": at most 24h`,
  ]);
  assertEquals(problems(suite("timeout: 25h\n")), [
    `Invalid "timeout": Invalid duration "25h": at most 24h`,
  ]);
});
