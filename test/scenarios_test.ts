import { assertEquals } from "@std/assert";
import { findSuiteFiles, runFiles } from "../mod.ts";

Deno.test("every example in scenarios/ passes", async () => {
  const files = await findSuiteFiles(["scenarios"]);
  assertEquals(files.length >= 4, true, `found only ${files.join(", ")}`);
  const summary = await runFiles(files);
  assertEquals(summary.invalid, []);
  const outcomes = summary.suites.flatMap((suite) =>
    suite.scenarios.map((scenario) => `${suite.file} › ${scenario.name}: ${scenario.status}`)
  );
  assertEquals(outcomes.filter((line) => !line.endsWith(": passed")), []);
  assertEquals(summary.failed, 0);
  assertEquals(summary.passed, outcomes.length);
});

Deno.test("a directory's _*.yaml fragments are not run on their own", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/_login.yaml`, "steps:\n  - connect\n");
    await Deno.writeTextFile(
      `${dir}/suite.yaml`,
      "name: s\nserver: echo\nsteps:\n  - include: { file: _login.yaml }\n  - close\n",
    );
    await Deno.mkdir(`${dir}/_parts`);
    await Deno.writeTextFile(
      `${dir}/_parts/more.yaml`,
      "name: t\nserver: echo\nsteps: [connect]\n",
    );
    assertEquals(await findSuiteFiles([dir]), [`${dir}/_parts/more.yaml`, `${dir}/suite.yaml`]);
    // Named on its own, a file runs whatever its name.
    assertEquals(await findSuiteFiles([`${dir}/_login.yaml`]), [`${dir}/_login.yaml`]);
    const summary = await runFiles(await findSuiteFiles([dir]));
    assertEquals([summary.passed, summary.failed, summary.invalid.length], [2, 0, 0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
