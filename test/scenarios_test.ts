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
