// Each reporter's output checked against its consumers' rules: the JUnit XSD
// (xmllint), TAP 14, the documented JSON schema, GitHub's workflow commands,
// and the HTML report in a real headless Chromium.

import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { fromFileUrl } from "@std/path/posix/from-file-url";
import { createReporters, findSuiteFiles, runFiles, type RunSummary } from "../mod.ts";
import { CLI, testWithTools } from "./_helpers.ts";

const FIXTURES = fromFileUrl(new URL("./fixtures/", import.meta.url));

/** A suite with a pass, a failure with binary bytes, a skip and an invalid file. */
async function mixedRun(
  dir: string,
  specs: string[],
): Promise<{ summary: RunSummary; stdout: string }> {
  await Deno.writeTextFile(
    `${dir}/mixed.yaml`,
    `name: mixed <&> "suite"
server: echo
timeout: 300ms
scenarios:
  - name: passes
    steps: [connect, { send: "ok\\n" }, { expect: { line: "ok" } }]
  - name: fails on binary & <markup>
    steps:
      - connect
      - send: { hex: "00 01 ff 3c 26" }
      - expect: { hex: "00 01 fe" }
  - name: skipped # here
    skip: "not today # really"
    steps: [connect]
`,
  );
  await Deno.writeTextFile(`${dir}/invalid.yaml`, `name: bad\nserver: echo\nsteps:\n  - sned: x\n`);
  let stdout = "";
  const reporters = await createReporters(specs, {
    stdout: (text) => (stdout += text),
    env: () => undefined,
  });
  const summary = await runFiles(await findSuiteFiles([dir]), { reporters, jobs: 1 });
  return { summary, stdout };
}

async function withDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir();
  try {
    return await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

testWithTools(["xmllint"], "JUnit XML validates against the JUnit XSD", async () => {
  await withDir(async (dir) => {
    await mixedRun(dir, ["pretty=/dev/null", `junit=${dir}/out/junit.xml`]);
    const { code, stderr } = await new Deno.Command("xmllint", {
      args: ["--noout", "--schema", `${FIXTURES}junit.xsd`, `${dir}/out/junit.xml`],
      stderr: "piped",
    }).output();
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    const xml = await Deno.readTextFile(`${dir}/out/junit.xml`);
    assertMatch(xml, /<testsuites name="parley" tests="4" failures="1" errors="1" skipped="1"/);
    assertStringIncludes(
      xml,
      `<testcase name="fails on binary &amp; &lt;markup&gt;" classname="${dir}/mixed.yaml"`,
    );
    assertStringIncludes(
      xml,
      `<failure message="Byte 2 differs: expected 0xfe, got 0xff" type="mismatch">`,
    );
    assertStringIncludes(xml, `<system-out>`);
    assertStringIncludes(xml, `main  → &quot;\\x00\\x01\\xff&lt;&amp;&quot;`);
    assertStringIncludes(xml, `<skipped message="not today # really"/>`);
  });
});

/** The rules of TAP 14 that a consumer relies on. */
function checkTap(text: string): { ok: number; notOk: number; skip: number } {
  const lines = text.split("\n");
  assertEquals(lines[0], "TAP version 14");
  assertEquals(lines.at(-1), "", "TAP ends with a newline");
  let expected = 1;
  let plan: number | undefined;
  const counts = { ok: 0, notOk: 0, skip: 0 };
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!;
    const point = /^(not )?ok (\d+)( - (.*))?$/.exec(line);
    if (point !== null) {
      assertEquals(Number(point[2]), expected++, `test point numbers run in order: ${line}`);
      const directive = /(?<!\\)# (SKIP|TODO)\b/i.exec(point[4] ?? "");
      if (directive?.[1]?.toUpperCase() === "SKIP") counts.skip++;
      else if (point[1] === undefined) counts.ok++;
      else counts.notOk++;
      if (lines[i + 1] === "  ---") {
        // A YAML diagnostic block: indented two spaces, closed by "  ...".
        i += 2;
        while (lines[i] !== "  ...") {
          assert(
            lines[i]!.startsWith("  ") || lines[i] === "",
            `diagnostic line not indented: ${JSON.stringify(lines[i])}`,
          );
          i++;
          assert(i < lines.length, "unclosed YAML block");
        }
      }
      continue;
    }
    const planMatch = /^1\.\.(\d+)$/.exec(line);
    if (planMatch !== null) {
      assertEquals(plan, undefined, "one plan");
      plan = Number(planMatch[1]);
      continue;
    }
    assert(line.startsWith("#") || line === "", `not a TAP line: ${JSON.stringify(line)}`);
  }
  assertEquals(plan, expected - 1, "the plan counts every test point");
  return counts;
}

Deno.test("TAP output follows TAP 14", async () => {
  await withDir(async (dir) => {
    const { stdout } = await mixedRun(dir, ["tap"]);
    assertEquals(checkTap(stdout), { ok: 1, notOk: 2, skip: 1 });
    assertStringIncludes(
      stdout,
      `ok 4 - ${dir}/mixed.yaml › skipped # SKIP not today \\# really\n`,
    );
    assertStringIncludes(
      stdout,
      `  message: "Byte 2 differs: expected 0xfe, got 0xff"\n  severity: fail\n`,
    );
  });
});

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
  $defs?: Record<string, Schema>;
};

/** The JSON Schema keywords docs/report.schema.json uses, checked strictly. */
function schemaErrors(value: unknown, schema: Schema, root: Schema, path = "$"): string[] {
  if (schema.$ref !== undefined) {
    return schemaErrors(value, root.$defs![schema.$ref.replace("#/$defs/", "")]!, root, path);
  }
  const errors: string[] = [];
  const typeOf = (v: unknown): string =>
    v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === "integer" && types.includes("number"))) {
      return [`${path}: expected ${types.join("|")}, got ${actual}`];
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in object)) errors.push(`${path}: missing "${key}"`);
    }
    for (const [key, item] of Object.entries(object)) {
      if (schema.properties === undefined) continue;
      if (!(key in schema.properties)) errors.push(`${path}: undocumented "${key}"`);
      else errors.push(...schemaErrors(item, schema.properties[key]!, root, `${path}.${key}`));
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, index) =>
      errors.push(...schemaErrors(item, schema.items!, root, `${path}[${index}]`))
    );
  }
  return errors;
}

Deno.test("the JSON report follows its documented schema", async () => {
  await withDir(async (dir) => {
    await mixedRun(dir, ["pretty=/dev/null", `json=${dir}/report.json`]);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    const schema: Schema = JSON.parse(
      await Deno.readTextFile(new URL("../docs/report.schema.json", import.meta.url)),
    );
    assertEquals(schemaErrors(report, schema, schema), []);
    assertEquals(Object.keys(report), ["version", "summary", "invalid", "suites"]);
    assertEquals(report.version, 1);
    assertEquals(
      { ...report.summary, duration_ms: 0 },
      { passed: 1, failed: 1, skipped: 1, errors: 0, invalid_files: 1, duration_ms: 0 },
    );
    assertEquals(report.invalid[0].line, 4);
    assertEquals(report.invalid[0].code, "unknown-action");
    assertEquals(report.invalid[0].path, "steps[0].sned");
    const [suite] = report.suites;
    assertEquals(Object.keys(suite), ["file", "name", "duration_ms", "scenarios"]);
    const failed = suite.scenarios[1];
    assertEquals(Object.keys(failed), [
      "name",
      "line",
      "status",
      "attempts",
      "duration_ms",
      "points",
      "hidden",
      "steps",
      "transcript",
      "dropped_events",
      "processes",
    ]);
    const step = failed.steps.at(-1);
    assertEquals(step.failure.reason, "mismatch");
    assertEquals(step.failure.offset, 2);
    assertEquals(step.failure.received, { text: "\\x00\\x01\\xff<&", base64: "AAH/PCY=", size: 5 });
    assertEquals(step.failure.expected_bytes, { text: "\\x00\\x01\\xfe", base64: "AAH+", size: 3 });
    assertEquals(typeof step.duration_ms, "number");
    assertEquals(failed.transcript.map((event: { kind: string }) => event.kind), [
      "connect",
      "send",
      "receive",
      "close",
    ]);
  });
});

Deno.test("dot prints one character per scenario, then the failures", async () => {
  await withDir(async (dir) => {
    const { stdout } = await mixedRun(dir, ["dot"]);
    assert(stdout.startsWith(".FS\n"), stdout);
    assertStringIncludes(stdout, `✗ ${dir}/mixed.yaml › fails on binary & <markup>`);
    assertEquals(stdout.trimEnd().split("\n").at(-1), "1 passed, 1 failed, 1 skipped");
  });
});

/** What a run of one suite prints on standard output under GitHub Actions. */
async function annotationsOf(file: string, yaml: string): Promise<string> {
  let stdout = "";
  const reporters = await createReporters(["pretty=/dev/null"], {
    stdout: (text) => (stdout += text),
    env: (name) => (name === "GITHUB_ACTIONS" ? "true" : undefined),
  });
  await Deno.writeTextFile(file, yaml);
  await runFiles([file], { reporters });
  return stdout;
}

Deno.test("GitHub Actions annotations point at the failed step", async () => {
  await withDir(async (dir) => {
    const stdout = await annotationsOf(
      `${dir}/a.yaml`,
      `name: a\nserver: echo\nsteps:\n  - connect\n  - send: "x"\n  - expect: "y"\n`,
    );
    assertEquals(
      stdout,
      `::error file=${dir}/a.yaml,line=6,title=a › a::Byte 0 differs: expected "y" (0x79), got "x" (0x78)\n`,
    );
  });
});

Deno.test("GitHub Actions annotations point at an invalid file's line and column", async () => {
  await withDir(async (dir) => {
    const stdout = await annotationsOf(
      `${dir}/a.yaml`,
      `name: a\nserver: echo\nsteps:\n  - connect\n  - expect: { line: x, timout: 1s }\n`,
    );
    assertStringIncludes(
      stdout,
      `::error file=${dir}/a.yaml,line=5,col=24,title=Invalid scenario file::Unknown key "timout" in "expect": did you mean "timeout"?`,
    );
  });
});

testWithTools(
  ["chromium"],
  "the HTML report renders in headless Chromium with a sequence diagram",
  async () => {
    await withDir(async (dir) => {
      await mixedRun(dir, ["pretty=/dev/null", `html=${dir}/report.html`]);
      const html = await Deno.readTextFile(`${dir}/report.html`);
      assertEquals(/(src|href)="https?:/.test(html), false, "no network fetches");
      const chromium = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${dir}/profile`,
      ];
      const dom = await new Deno.Command("chromium", {
        args: [...chromium, "--dump-dom", `file://${dir}/report.html`],
        stdout: "piped",
        stderr: "null",
      }).output();
      const page = new TextDecoder().decode(dom.stdout);
      assertStringIncludes(page, `<span class="failed">1 failed</span>`);
      assertStringIncludes(page, `<svg xmlns="http://www.w3.org/2000/svg" class="sequence"`);
      assertStringIncludes(page, `class="label send">"\\x00\\x01\\xff&lt;&amp;"</text>`);
      assertStringIncludes(
        page,
        `class="failed-text">✗ Byte 2 differs: expected 0xfe, got 0xff</text>`,
      );
      assertStringIncludes(page, `<details class="scenario failed"`);
      // A screenshot of the failing scenario, opened at the top of the page.
      const shot = await new Deno.Command("chromium", {
        args: [
          ...chromium,
          `--screenshot=${dir}/failing.png`,
          "--window-size=1200,900",
          `file://${dir}/report.html`,
        ],
        stdout: "null",
        stderr: "null",
      }).output();
      assertEquals(shot.code, 0);
      const png = await Deno.readFile(`${dir}/failing.png`);
      assertEquals([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      assert(png.length > 10_000, `screenshot too small: ${png.length} bytes`);
    });
  },
);

Deno.test("the progress line counts files, scenarios and failures, and is cleared at the end", async () => {
  await withDir(async (dir) => {
    let stderr = "";
    const reporters = await createReporters([`json=${dir}/r.json`], {
      progress: true,
      stderr: (text) => (stderr += text),
      stdout: () => {},
    });
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      `name: a\nserver: echo\nsteps:\n  - connect\n  - send: "x"\n  - expect: "y"\n`,
    );
    await runFiles([`${dir}/a.yaml`], { reporters });
    const frames = stderr.split("\r\x1b[2K").filter((frame) => frame !== "");
    assertEquals(frames, [
      "0 files done, 1 running · 0 scenarios · 0 failed",
      "0 files done, 1 running · 1 scenarios · 1 failed",
      "1 files done, 0 running · 1 scenarios · 1 failed",
    ]);
    assert(stderr.endsWith("\r\x1b[2K"));
  });
});

Deno.test("no progress line when the pretty report already goes to the terminal", async () => {
  const reporters = await createReporters([], {
    progress: true,
    stderr: () => {},
    stdout: () => {},
  });
  assertEquals(reporters.length, 1);
});

Deno.test("with --jobs, the progress line still follows files as they run", async () => {
  await withDir(async (dir) => {
    let stderr = "";
    const reporters = await createReporters([`json=${dir}/r.json`], {
      progress: true,
      stderr: (text) => (stderr += text),
      stdout: () => {},
    });
    const suite = `name: s\nserver: echo\nsteps:\n  - connect\n  - expect: { silence: 50ms }\n`;
    await Deno.writeTextFile(`${dir}/a.yaml`, suite);
    await Deno.writeTextFile(`${dir}/b.yaml`, suite);
    await runFiles([`${dir}/a.yaml`, `${dir}/b.yaml`], { reporters, jobs: 2 });
    // Held back until each file finished, the line would never show two files running.
    assertStringIncludes(stderr, "0 files done, 2 running");
  });
});

Deno.test("the Gradescope summary tells students nothing of hidden tests, nor the grader's paths", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/graded.yaml`,
      `name: graded
spawn: ["python3", "${dir}/missing_server.py", "\${port}"]
scenarios:
  - name: visible one
    points: 3
    steps: [connect]
  - name: hidden one
    points: 2
    hidden: true
    steps: [connect]
`,
    );
    let text = "";
    const reporters = await createReporters(["gradescope=/dev/null"], {
      gradescopeVisibility: "after_due_date",
      writeFile: (_path, json) => {
        text = json;
        return Promise.resolve();
      },
    });
    await runFiles([`${dir}/graded.yaml`], { reporters });
    const results = JSON.parse(text);
    assertEquals(results.output, "Visible tests: 0 passed, 1 failed. Score: 0/3");
    assertEquals([results.visibility, results.stdout_visibility], ["after_due_date", "hidden"]);
    assertEquals(results.tests.map((test: { visibility: string }) => test.visibility), [
      "visible",
      "after_published",
    ]);
    // The program's path is the grader's: students see it relative to the suite.
    assertEquals(JSON.stringify(results).includes(dir), false);
    assertStringIncludes(results.tests[0].output, "missing_server.py");
  });
});

Deno.test("a pass on retry shows in every report, Gradescope included", async () => {
  await withDir(async (dir) => {
    // Fails the first time (no marker file yet), passes the second.
    await Deno.writeTextFile(
      `${dir}/flaky.yaml`,
      `name: flaky
steps:
  - spawn: { as: p, run: ["sh", "-c", "if [ -e ${dir}/seen ]; then echo ok; else touch ${dir}/seen; echo no; fi"] }
  - expect: { on: p, line: "ok" }
`,
    );
    const texts: Record<string, string> = {};
    const reporters = await createReporters(
      ["pretty", "tap=t", "junit=j", "html=h", "gradescope=g", "json=js"],
      {
        stdout: (chunk) => (texts.pretty = (texts.pretty ?? "") + chunk),
        writeFile: (path, text) => {
          texts[path] = text;
          return Promise.resolve();
        },
      },
    );
    const summary = await runFiles([`${dir}/flaky.yaml`], { reporters, retries: 3 });
    assertEquals(summary.passed, 1);
    assertStringIncludes(texts.pretty!, "passed on retry 1 of 3");
    assertStringIncludes(texts.t!, "# passed on retry 1 of 3");
    assertStringIncludes(texts.j!, `value="passed on retry 1 of 3"`);
    assertStringIncludes(texts.h!, "passed on retry 1 of 3");
    assertEquals(JSON.parse(texts.g!).tests[0].output, "passed on retry 1 of 3");
    assertEquals(JSON.parse(texts.js!).suites[0].scenarios[0].attempts, 2);
  });
});

Deno.test("a set-up error is an error in every report, apart from failures, and exits 2", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/setup.yaml`,
      `name: setup
scenarios:
  - name: cannot run
    points: 2
    steps: [{ spawn: { as: p, run: "parley-no-such-command" } }]
  - name: fails
    steps: [{ spawn: { as: q, run: ["sh", "-c", "exit 0"] } }, { exit: { on: q, code: 1 } }]
`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CLI,
        "run",
        `${dir}/setup.yaml`,
        "--reporter",
        "pretty",
        ...["tap", "junit", "json", "html", "gradescope"].flatMap((name) => [
          "--reporter",
          `${name}=${dir}/report.${name}`,
        ]),
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const pretty = new TextDecoder().decode(output.stdout);
    assertEquals(output.code, 2);
    assertStringIncludes(
      pretty,
      "  ! cannot run (",
    );
    assertStringIncludes(pretty, "set-up error, not a failure of what is tested:");
    assertEquals(pretty.trimEnd().split("\n").slice(-2), [
      "0 passed, 1 failed, 1 error",
      "Score: 0/3",
    ]);
    const read = (name: string): Promise<string> => Deno.readTextFile(`${dir}/report.${name}`);
    assertStringIncludes(await read("tap"), "not ok 1 - ");
    assertMatch(await read("tap"), /not ok 1 - .* # error\n/);
    const junit = await read("junit");
    assertStringIncludes(junit, `failures="1" errors="1"`);
    // The totals count the set-up error too.
    assertStringIncludes(
      junit,
      `<testsuites name="parley" tests="2" failures="1" errors="1" skipped="0"`,
    );
    assertStringIncludes(
      junit,
      `<error message="Cannot run &quot;parley-no-such-command&quot;: command not found" type="setup">`,
    );
    const json = JSON.parse(await read("json"));
    assertEquals(json.summary.errors, 1);
    assertEquals(json.suites[0].scenarios.map((s: { status: string }) => s.status), [
      "error",
      "failed",
    ]);
    assertStringIncludes(await read("html"), `class="scenario error"`);
    const gradescope = JSON.parse(await read("gradescope"));
    // No class of zeros: the course staff see that the autograder failed.
    assertEquals([gradescope.score, gradescope.tests], [undefined, []]);
    assertEquals(
      gradescope.output,
      `The autograder could not set up the tests: Cannot run "parley-no-such-command": command not found (in "setup › cannot run"). This is not your fault: tell your instructor.`,
    );
  });
});

Deno.test("with per: scenario, the same start-up failure is shown in full once", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/per.yaml`,
      `name: per
spawn: { run: ["python3", "no_such_server.py", "\${port}"], per: scenario }
scenarios:
  - name: one
    steps: [connect]
  - name: two
    steps: [connect]
`,
    );
    let out = "";
    const reporters = await createReporters(["pretty"], { stdout: (text) => (out += text) });
    await runFiles([`${dir}/per.yaml`], { reporters });
    assertEquals(out.match(/exited with code 2 before it was ready/g)?.length, 1);
    assertStringIncludes(
      out,
      `  ✗ two (not run: the program under test failed to start as in "one")\n`,
    );
  });
});

Deno.test("hidden: after_due_date shows a test to students after the due date", async () => {
  const { gradescopeResults } = await import("../reporters.ts");
  const { parseSuite, runSuite } = await import("../mod.ts");
  const suite = parseSuite(`
name: due
server: echo
scenarios:
  - name: open
    steps: [connect]
  - name: at publication
    hidden: true
    steps: [connect]
  - name: after the due date
    hidden: after_due_date
    steps: [connect]
`);
  const result = await runSuite(suite);
  const results = gradescopeResults({
    suites: [result],
    invalid: [],
    passed: 3,
    failed: 0,
    skipped: 0,
    errors: 0,
    duration: 1,
  });
  assertEquals(results.tests.map((test) => test.visibility), [
    "visible",
    "after_published",
    "after_due_date",
  ]);
  assertEquals(results.output, "Visible tests: 1 passed, 0 failed. Score: 1/1");
});
