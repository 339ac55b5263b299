// The Gradescope autograder script of docs/assignments.md, run as Gradescope
// runs it, in a folder laid out like /autograder: a starting assignment from
// `parley init`, Parley beside it, and a student's submission.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { fromFileUrl } from "@std/path/posix/from-file-url";
import { runParley } from "./_helpers.ts";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const SCRIPT = `${ROOT}examples/gradescope/run_autograder`;

interface Results {
  readonly score?: number;
  // deno-lint-ignore camelcase -- the autograder's field name
  readonly max_score?: number;
  readonly output: string;
  readonly tests: readonly { readonly status: string }[];
}

/**
 * Lays out an autograder folder, lets `prepare` put a submission in, runs
 * `run_autograder` and reads what it wrote.
 */
async function autograde(
  prepare: (root: string) => Promise<void>,
): Promise<{ code: number; stdout: string; results: Results }> {
  const root = await Deno.makeTempDir({ prefix: "parley-autograder-" });
  try {
    const init = await runParley(["init", "assignment", "server", `${root}/source`]);
    assertEquals(init.code, 0, init.stderr);
    await Deno.symlink(ROOT, `${root}/source/parley`);
    await Deno.mkdir(`${root}/submission`);
    await prepare(root);
    const output = await new Deno.Command("bash", {
      args: [SCRIPT],
      env: { AUTOGRADER: root, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: output.code,
      stdout: new TextDecoder().decode(output.stdout),
      results: JSON.parse(await Deno.readTextFile(`${root}/results/results.json`)),
    };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("run_autograder grades a correct submission with full marks", async () => {
  const { code, stdout, results } = await autograde(async (root) => {
    await Deno.copyFile(`${root}/source/server.py`, `${root}/submission/server.py`);
  });
  assertEquals(code, 0);
  assert(results.score !== undefined && results.score > 0);
  assertEquals(results.score, results.max_score);
  assert(results.tests.every((test) => test.status === "passed"));
  // The staff's log: the pretty report.
  assertStringIncludes(stdout, `Score: ${results.score}/${results.max_score}`);
});

Deno.test("run_autograder grades an empty submission as failed tests, not an autograder error", async () => {
  const { code, results } = await autograde(() => Promise.resolve());
  assertEquals(code, 0);
  assertEquals(results.score, 0);
  assert(results.tests.length > 0 && results.tests.every((test) => test.status === "failed"));
});

Deno.test("run_autograder says the autograder failed when Parley cannot run at all", async () => {
  const { code, results } = await autograde(async (root) => {
    await Deno.remove(`${root}/source/parley`);
  });
  assertEquals(code, 0);
  assertEquals(results.score, undefined);
  assertEquals(results.tests, []);
  assertStringIncludes(results.output, "The autograder failed (exit code 1)");
});

Deno.test("the scripts in docs/assignments.md are the ones in examples/gradescope", async () => {
  const docs = await Deno.readTextFile(`${ROOT}docs/assignments.md`);
  for (const script of ["run_autograder", "setup.sh"]) {
    const text = await Deno.readTextFile(`${ROOT}examples/gradescope/${script}`);
    const lines = text.split("\n").map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("set -"));
    for (const line of lines) assertStringIncludes(docs, line, `${script}: ${line}`);
  }
});
